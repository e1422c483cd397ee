"""XuNet (Xu, Wu & Shi, IEEE SPL 2016) as a functional model.

A fixed 5x5 KV high-pass filter (``hpf``, not trainable) feeds five groups:
  g1  conv 5x5 (8)  -> ABS -> BN -> TanH -> AvgPool 5/2
  g2  conv 5x5 (16) -> BN -> TanH -> AvgPool 5/2
  g3  conv 1x1 (32) -> BN -> ReLU -> AvgPool 5/2
  g4  conv 1x1 (64) -> BN -> ReLU -> AvgPool 5/2
  g5  conv 1x1 (128) -> BN -> ReLU -> global average pooling
then ``fc`` (logits). Every group has a BN, so all 248 channels are prunable.
Layer names: gK_conv, gK_bn, gK_act, gK_pool (g1 also g1_abs).
"""

import keras

from keras_sasrnet.models.blocks import LayerOptions, check_input_shape, check_widths
from keras_sasrnet.models.layers import Abs, KVKernel

KERNELS = {1: 5, 2: 5, 3: 1, 4: 1, 5: 1}


def xunet_widths(scale=1.0):
    """The reference widths (conv name -> filters), optionally scaled.

    Example:
        >>> sum(xunet_widths().values())
        248
    """
    if not scale > 0:
        raise ValueError(f"width scale must be > 0; received {scale}")
    full = {"g1_conv": 8, "g2_conv": 16, "g3_conv": 32, "g4_conv": 64, "g5_conv": 128}
    return {name: max(1, round(w * scale)) for name, w in full.items()}


def xunet(
    input_shape=(256, 256, 1),
    widths=None,
    num_classes=2,
    sparsity=None,
    weight_decay=1e-4,
    gamma_init=None,
    bn_momentum=0.9,
    bn_epsilon=1e-3,
    sync_bn=False,
    name="xunet",
):
    """Builds XuNet with logits output; arguments as in ``srnet``.

    Example:
        >>> model = xunet((256, 256, 1), widths={"g5_conv": 64})
    """
    input_shape = check_input_shape(input_shape, "XuNet")
    w = check_widths(widths, xunet_widths(), "XuNet")
    opt = LayerOptions(
        sparsity, weight_decay, gamma_init, bn_momentum, bn_epsilon, sync_bn
    )

    inputs = keras.Input(input_shape, name="image")
    x = keras.layers.Conv2D(
        1,
        5,
        padding="same",
        use_bias=False,
        kernel_initializer=KVKernel(),
        trainable=False,
        name="hpf",
    )(inputs)
    for k, size in KERNELS.items():
        x = opt.conv(w[f"g{k}_conv"], f"g{k}_conv", kernel_size=size)(x)
        if k == 1:
            x = Abs(name="g1_abs")(x)
        x = opt.bn(f"g{k}_bn")(x)
        x = keras.layers.Activation("tanh" if k <= 2 else "relu", name=f"g{k}_act")(x)
        if k < 5:
            x = keras.layers.AveragePooling2D(5, 2, padding="same", name=f"g{k}_pool")(
                x
            )
    x = keras.layers.GlobalAveragePooling2D(name="g5_gap")(x)
    outputs = opt.dense(num_classes, "fc")(x)
    return keras.Model(inputs, outputs, name=name)
