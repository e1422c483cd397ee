"""Detector architectures: functional builders whose arguments are the widths."""

from keras_sasrnet.models.io import load
from keras_sasrnet.models.srnet import srnet, srnet_widths
from keras_sasrnet.models.xunet import xunet, xunet_widths

ARCHITECTURES = {"srnet": (srnet, srnet_widths), "xunet": (xunet, xunet_widths)}


def build(arch, width_scale=1.0, **kwargs):
    """Builds a named architecture, widths optionally scaled.

    Args:
        arch: "srnet" or "xunet".
        width_scale: multiplier on the reference widths (ignored where
            ``widths`` is passed explicitly).
        **kwargs: the builder's own arguments.

    Example:
        >>> model = build("srnet", width_scale=1 / 8, input_shape=(32, 32, 1))
    """
    if arch not in ARCHITECTURES:
        raise ValueError(
            f"unknown architecture {arch!r}; expected one of {sorted(ARCHITECTURES)}"
        )
    builder, default_widths = ARCHITECTURES[arch]
    kwargs.setdefault("widths", default_widths(width_scale))
    return builder(**kwargs)


__all__ = [
    "ARCHITECTURES",
    "build",
    "load",
    "srnet",
    "srnet_widths",
    "xunet",
    "xunet_widths",
]
