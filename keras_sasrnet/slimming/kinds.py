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
# Raw reductions (keras.ops.mean, ...): channelwise over other axes.
REDUCTIONS = frozenset({"Mean", "Max", "Min", "Sum"})
# Element-wise merges: their inputs' channel i meet in output channel i.
MERGE = frozenset(
    {
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        # keras.applications.inception_resnet_v2: inputs[0] + inputs[1] * scale
        "CustomScaleLayer",
    }
)
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
    if node.kind in ("DepthwiseConv2D", "Conv2D"):  # channel i filtered alone
        return depthwise(node)
    if node.kind in REDUCTIONS:  # keras.ops.mean(x, axis=(1, 2)) in SE blocks
        axis = cfg.get("axis")
        axes = axis if isinstance(axis, list | tuple) else [axis]
        rank = len(node.input_shapes[0])
        return axis is not None and all(a not in (-1, rank - 1) for a in axes)
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


def depthwise(node):
    """A conv that filters each channel on its own: DepthwiseConv2D with
    multiplier 1, or Conv2D with groups == filters == input channels (how
    keras-hub's MobileNet writes it)."""
    cfg = node.config
    if node.kind == "DepthwiseConv2D":
        return cfg.get("depth_multiplier", 1) == 1
    if node.kind == "Conv2D" and cfg.get("groups", 1) > 1:
        return cfg["groups"] == cfg["filters"] == node.input_shapes[0][-1]
    return False


def grouped_depthwise(node):
    """The Conv2D form of ``depthwise``: kernel (kh, kw, 1, C)."""
    return node.kind == "Conv2D" and depthwise(node)


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
