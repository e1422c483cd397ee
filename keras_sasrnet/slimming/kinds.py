"""What a layer does to channels: keeps them, merges them, or can be sliced.

Read by the channel groups (``groups``) and the rebuild (``surgery``).
"""

# Layers that keep channel i as channel i (and spatial structure or not).
CHANNELWISE = frozenset(
    {
        "BatchNormalization",
        "ReLU",
        "LeakyReLU",
        "ELU",
        "Activation",
        "Abs",
        "Subsample2D",
        "Dropout",
        "SpatialDropout2D",
        "GaussianNoise",
        "GaussianDropout",
        "Identity",
        "AveragePooling2D",
        "MaxPooling2D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "ZeroPadding2D",
        "Cropping2D",
        # Raw element-wise ops in a functional graph (keras.ops.relu(x)
        # is an operation of class Relu, not a layer).
        "Relu",
        "Relu6",
        "LeakyRelu",
        "Elu",
        "Selu",
        "Gelu",
        "Silu",
        "Sigmoid",
        "HardSigmoid",
        "HardSilu",
        "Softplus",
        "Tanh",
        "Absolute",
    }
)
# Element-wise merges: their inputs' channel i meet in output channel i.
MERGE = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
# Layers whose output channels (producer) and input channels (consumer) can
# be sliced from their kernel.
SLICEABLE = frozenset({"Conv2D", "Dense"})


def channelwise(node):
    """Whether the node keeps channel i as channel i on the last axis."""
    cfg = node.config
    if node.kind == "BatchNormalization":
        return cfg.get("axis", -1) in (-1, len(node.output_shape) - 1)
    if node.kind == "Activation":
        return cfg.get("activation") not in ("softmax", "log_softmax")
    if "data_format" in cfg and cfg["data_format"] != "channels_last":
        return False
    if node.kind == "DepthwiseConv2D":  # channel i filtered on its own
        return cfg.get("depth_multiplier", 1) == 1
    if node.kind in ("Reshape", "Flatten"):
        # (N, C) <-> (N, 1, 1, C) in squeeze-excite blocks and heads: the
        # channels stay the last axis, nothing else moves.
        shape_in, shape_out = node.input_shapes[0], node.output_shape
        return (
            shape_in[-1] is not None
            and shape_in[-1] == shape_out[-1]
            and all(s == 1 for s in shape_in[1:-1])
            and all(s == 1 for s in shape_out[1:-1])
        )
    return node.kind in CHANNELWISE or node.kind in MERGE


def sliceable(node):
    if node.kind == "SeparableConv2D":  # depthwise then pointwise
        return node.config.get("depth_multiplier", 1) == 1 and (
            node.config.get("data_format", "channels_last") == "channels_last"
        )
    if node.kind == "Conv2D":
        return node.config.get("groups", 1) == 1 and (
            node.config.get("data_format", "channels_last") == "channels_last"
        )
    return node.kind in SLICEABLE
