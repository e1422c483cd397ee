"""SRNet (Boroumand, Chen & Fridrich, IEEE TIFS 2019) as a functional model.

The per-conv widths are the architecture: ``srnet(widths=...)`` builds the
full network or any slimmed variant, and a model rebuilt by
``keras_sasrnet.slimming.rebuild`` equals ``srnet(widths=widths(rebuilt))``.

Layer names (all deterministic):
  L1-L2    l1_conv, l1_bn, l1_relu, l2_conv, ...
  L3-L7    lK_conv1, lK_bn1, lK_relu, lK_conv2, lK_bn2, lK_add
  L8-L11   lK_conv1, lK_bn1, lK_relu, lK_conv2, lK_bn2, lK_pool,
           lK_shortcut_sub, lK_shortcut_conv, lK_shortcut_bn, lK_add
           (the stride-2 1x1 shortcut conv is split into a subsampling and a
           1x1 conv: the same function, see ``layers.Subsample2D``)
  L12      l12_conv1, l12_bn1, l12_relu, l12_conv2, l12_bn2, l12_gap
  head     fc (logits)
"""

import keras

from keras_sasrnet.models.blocks import LayerOptions, check_input_shape, check_widths
from keras_sasrnet.models.layers import HighPass, Subsample2D

TYPE2 = (3, 4, 5, 6, 7)
TYPE3 = {8: 16, 9: 64, 10: 128, 11: 256}
STEM_INITS = {"he_normal": lambda: "he_normal", "high_pass": HighPass}


def srnet_widths(scale=1.0):
    """The reference widths (conv name -> filters), optionally scaled.

    Args:
        scale: multiplier applied to every width (rounded, at least 1); tests
            use 1/8 for a fast, structurally identical network.

    Example:
        >>> srnet_widths()["l12_conv2"]
        512
    """
    if not scale > 0:
        raise ValueError(f"width scale must be > 0; received {scale}")
    full = {"l1_conv": 64, "l2_conv": 16}
    for k in TYPE2:
        full[f"l{k}_conv1"] = full[f"l{k}_conv2"] = 16
    for k, filters in TYPE3.items():
        for conv in ("conv1", "conv2", "shortcut_conv"):
            full[f"l{k}_{conv}"] = filters
    full["l12_conv1"] = full["l12_conv2"] = 512
    return {name: max(1, round(w * scale)) for name, w in full.items()}


def _check_ties(widths):
    # Residual adds need equal widths on both inputs.
    tied = [["l2_conv"] + [f"l{k}_conv2" for k in TYPE2]]
    tied += [[f"l{k}_conv2", f"l{k}_shortcut_conv"] for k in TYPE3]
    for names in tied:
        values = {widths[n] for n in names}
        if len(values) > 1:
            got = {n: widths[n] for n in names}
            raise ValueError(
                f"SRNet widths joined by a residual add must be equal; received {got}"
            )


def srnet(
    input_shape=(256, 256, 1),
    widths=None,
    num_classes=2,
    sparsity=None,
    weight_decay=1e-4,
    gamma_init=None,
    bn_momentum=0.9,
    bn_epsilon=1e-3,
    sync_bn=False,
    stem_init="he_normal",
    name="srnet",
):
    """Builds SRNet with logits output.

    Args:
        input_shape: (H, W, 1); H and W may be None for any size.
        widths: {conv name: filters} overriding ``srnet_widths()``.
        num_classes: logits of the head (2: cover, stego).
        sparsity: gamma-L1 alpha for sparsity training, or None.
        weight_decay: Keras L2 factor on kernels, or None.
        gamma_init: initial BN gamma (default 0.5 with sparsity, else 1).
        bn_momentum, bn_epsilon: BatchNormalization settings.
        sync_bn: synchronise BN statistics across replicas.
        stem_init: initialiser of the first conv, "he_normal" (the reference)
            or "high_pass" (``layers.HighPass``: residual filters, which
            get SRNet off its 50 % plateau an order of magnitude sooner).
        name: model name.

    Example:
        >>> model = srnet((256, 256, 1), sparsity=1e-4)
    """
    input_shape = check_input_shape(input_shape, "SRNet")
    w = check_widths(widths, srnet_widths(), "SRNet")
    _check_ties(w)
    if stem_init not in STEM_INITS:
        raise ValueError(
            f"stem_init must be one of {sorted(STEM_INITS)}; received {stem_init!r}"
        )
    opt = LayerOptions(
        sparsity, weight_decay, gamma_init, bn_momentum, bn_epsilon, sync_bn
    )

    def conv_bn(x, conv, bn, **kwargs):
        return opt.bn(bn)(opt.conv(w[conv], conv, **kwargs)(x))

    inputs = keras.Input(input_shape, name="image")
    x = inputs
    for k in (1, 2):  # type 1
        init = STEM_INITS[stem_init]() if k == 1 else "he_normal"
        x = conv_bn(x, f"l{k}_conv", f"l{k}_bn", init=init)
        x = keras.layers.ReLU(name=f"l{k}_relu")(x)
    for k in TYPE2:
        y = conv_bn(x, f"l{k}_conv1", f"l{k}_bn1")
        y = keras.layers.ReLU(name=f"l{k}_relu")(y)
        y = conv_bn(y, f"l{k}_conv2", f"l{k}_bn2")
        x = keras.layers.Add(name=f"l{k}_add")([x, y])
    for k in TYPE3:
        shortcut = Subsample2D(name=f"l{k}_shortcut_sub")(x)  # see Subsample2D
        shortcut = conv_bn(
            shortcut, f"l{k}_shortcut_conv", f"l{k}_shortcut_bn", kernel_size=1
        )
        y = conv_bn(x, f"l{k}_conv1", f"l{k}_bn1")
        y = keras.layers.ReLU(name=f"l{k}_relu")(y)
        y = conv_bn(y, f"l{k}_conv2", f"l{k}_bn2")
        y = keras.layers.AveragePooling2D(3, 2, padding="same", name=f"l{k}_pool")(y)
        x = keras.layers.Add(name=f"l{k}_add")([shortcut, y])
    x = conv_bn(x, "l12_conv1", "l12_bn1")
    x = keras.layers.ReLU(name="l12_relu")(x)
    x = conv_bn(x, "l12_conv2", "l12_bn2")
    x = keras.layers.GlobalAveragePooling2D(name="l12_gap")(x)
    outputs = opt.dense(num_classes, "fc")(x)
    return keras.Model(inputs, outputs, name=name)
