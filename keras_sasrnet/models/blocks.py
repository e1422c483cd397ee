"""Conv and BatchNormalization layers configured the way both detectors need."""

import dataclasses

import keras

from keras_sasrnet.penalty import GammaL1


@dataclasses.dataclass(frozen=True)
class LayerOptions:
    """Training-related settings shared by every conv/BN of a detector.

    Attributes:
        sparsity: alpha of the gamma-L1 penalty, or None for no penalty.
        weight_decay: L2 factor on conv and dense kernels (Keras L2 adds
            ``factor * sum(w**2)``; TF1's ``l2_regularizer(2e-4)`` of the
            reference SRNet equals ``L2(1e-4)``), or None.
        gamma_init: initial BN gamma; None means 0.5 with sparsity, else 1.
        bn_momentum, bn_epsilon: as in the reference SRNet code.
        sync_bn: synchronise BN statistics across replicas.
    """

    sparsity: float | None = None
    weight_decay: float | None = 1e-4
    gamma_init: float | None = None
    bn_momentum: float = 0.9
    bn_epsilon: float = 1e-3
    sync_bn: bool = False

    def __post_init__(self):
        for field in ("sparsity", "weight_decay"):
            value = getattr(self, field)
            if value is not None and not value >= 0:
                raise ValueError(f"{field} must be >= 0 or None; received {value}")
        if not 0 <= self.bn_momentum < 1:
            raise ValueError(
                f"bn_momentum must be in [0, 1); received {self.bn_momentum}"
            )

    def conv(self, filters, name, kernel_size=3, strides=1, init="he_normal"):
        # No bias: every conv is followed by BN, whose beta makes it redundant.
        return keras.layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding="same",
            use_bias=False,
            kernel_initializer=init,
            kernel_regularizer=self._l2(),
            name=name,
        )

    def bn(self, name):
        gamma = self.gamma_init
        if gamma is None:
            gamma = 0.5 if self.sparsity is not None else 1.0
        return keras.layers.BatchNormalization(
            momentum=self.bn_momentum,
            epsilon=self.bn_epsilon,
            gamma_initializer=keras.initializers.Constant(gamma),
            gamma_regularizer=None if self.sparsity is None else GammaL1(self.sparsity),
            synchronized=self.sync_bn,
            name=name,
        )

    def dense(self, units, name):
        return keras.layers.Dense(
            units,
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
            kernel_regularizer=self._l2(),
            name=name,
        )

    def _l2(self):
        return (
            None
            if self.weight_decay is None
            else keras.regularizers.L2(self.weight_decay)
        )


def check_widths(widths, defaults, arch):
    """Merges user widths over the defaults, rejecting unknown names and counts."""
    widths = dict(widths or {})
    unknown = sorted(set(widths) - set(defaults))
    if unknown:
        raise ValueError(
            f"unknown {arch} layer(s) in widths: {unknown}; "
            f"expected names from {sorted(defaults)}"
        )
    merged = {**defaults, **widths}
    for name, value in merged.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(
                f"width of {name} must be a positive integer; received {value!r}"
            )
    return merged


def check_input_shape(input_shape, arch):
    """Validates (H, W, 1) with H, W positive or None (any size)."""
    shape = tuple(input_shape)
    if len(shape) != 3 or shape[-1] != 1:
        raise ValueError(
            f"{arch} takes grayscale images of shape (H, W, 1); received {shape}"
        )
    for side in shape[:2]:
        if side is not None and side < 1:
            raise ValueError(f"{arch} input sides must be >= 1; received {shape}")
    return shape
