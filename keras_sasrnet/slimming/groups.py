"""Channel groups: the channels that must be kept or removed together.

Derived from the graph, never per architecture. Every Conv2D or Dense output
starts a channel space; layers that keep channel i as channel i (BN,
activations, pooling, dropout) carry it on; merge layers (Add, Multiply, ...)
join the spaces of their inputs into one group. A group is prunable when a
BatchNormalization scales it (its gammas are the score) and nothing but
sliceable layers read or write it: a group that reaches the model input or
output, or passes through a layer of unknown channel semantics (Flatten,
Concatenate, Lambda, ...), keeps all its channels.

For SRNet this yields the residual stream {l2, l3..l7 second conv} as one
group, {shortcut, second conv} for each of l8..l11, and every other BN alone.
"""

import dataclasses

import numpy as np

from keras_sasrnet import graph as graph_lib

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


@dataclasses.dataclass(frozen=True)
class Group:
    """Channels tied together across layers.

    Attributes:
        name: the first producer's name, used as the group's name.
        channels: number of channels.
        producers: Conv2D/Dense layers whose output channels form the group.
        bns: BatchNormalization layers scaling these channels (the scores).
        members: every channel-preserving layer carrying the channels.
        consumers: Conv2D/Dense layers reading the channels as inputs.
        prunable: whether channels may be removed.
        reason: why not, when not prunable.
        macs_per_channel: MACs one channel costs per image (in producers and
            consumers), or None if the graph has no concrete input size.
    """

    name: str
    channels: int
    producers: tuple[str, ...]
    bns: tuple[str, ...]
    members: tuple[str, ...]
    consumers: tuple[str, ...]
    prunable: bool
    reason: str = ""
    macs_per_channel: int | None = None


def _channelwise(node):
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


def _sliceable(node):
    if node.kind == "SeparableConv2D":  # depthwise then pointwise
        return node.config.get("depth_multiplier", 1) == 1 and (
            node.config.get("data_format", "channels_last") == "channels_last"
        )
    if node.kind == "Conv2D":
        return node.config.get("groups", 1) == 1 and (
            node.config.get("data_format", "channels_last") == "channels_last"
        )
    return node.kind in SLICEABLE


class _Spaces:
    """Union-find over channel spaces, with a reason per tainted root."""

    def __init__(self):
        self.parent = []
        self.taint = {}

    def new(self):
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, i):
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i, j):
        i, j = self.find(i), self.find(j)
        if i != j:
            self.parent[j] = i
            if j in self.taint:
                self.taint.setdefault(i, self.taint.pop(j))
        return i

    def mark(self, i, reason):
        self.taint.setdefault(self.find(i), reason)


def find_groups(model_or_graph, input_size=None):
    """Derives the channel groups of a functional model from its graph.

    Args:
        model_or_graph: a functional ``keras.Model`` or a ``graph.Graph``.
        input_size: (H, W) for ``macs_per_channel`` when the model's input
            size is dynamic.

    Returns:
        A list of ``Group`` in topological order of their first producer.

    Example:
        >>> [g.bns for g in find_groups(srnet()) if len(g.bns) > 1][0]
        ('l2_bn', 'l3_bn2', 'l4_bn2', 'l5_bn2', 'l6_bn2', 'l7_bn2')
    """
    g = model_or_graph
    if not isinstance(g, graph_lib.Graph):
        g = graph_lib.from_model(g, input_size)
    spaces = _Spaces()
    space = {}
    for node in g.nodes.values():
        if node.inputs and _channelwise(node):
            ids = [space[i] for i in _full_width(node, spaces, space)]
            for other in ids[1:]:
                spaces.union(ids[0], other)
            space[node.name] = ids[0]
            continue
        space[node.name] = spaces.new()
        if node.kind == "InputLayer":
            spaces.mark(space[node.name], f"tied to the model input {node.name!r}")
        elif not _sliceable(node):
            why = f"passes through {node.kind} layer {node.name!r}"
            spaces.mark(space[node.name], why)
            for i in node.inputs:
                spaces.mark(space[i], why)
    for name in g.outputs:
        spaces.mark(space[name], f"tied to the model output {name!r}")

    by_root = {}
    for name, node in g.nodes.items():
        by_root.setdefault(spaces.find(space[name]), []).append(node)
    groups = []
    for root, nodes in by_root.items():
        producers = [n for n in nodes if not (n.inputs and _channelwise(n))]
        members = [n for n in nodes if n.inputs and _channelwise(n)]
        bns = [
            n.name
            for n in members
            if n.kind == "BatchNormalization" and n.config.get("scale", True)
        ]
        names = {n.name for n in nodes}
        consumers = [
            n
            for n in g.nodes.values()
            if _sliceable(n) and any(i in names for i in n.inputs)
        ]
        reason = spaces.taint.get(root, "")
        if not reason and not bns:
            reason = "no BatchNormalization scales these channels"
        unscaled = [
            n.name
            for n in members
            if n.kind == "BatchNormalization" and not n.config.get("scale", True)
        ]
        if not reason and unscaled:
            # Its channels also flow through a BN without gamma: a zero gamma
            # elsewhere does not make the channel constant (measured: removing
            # zero-gamma channels of such a group moved outputs by 0.21).
            reason = (
                f"BatchNormalization {unscaled[0]!r} has no gamma (scale=False) "
                "to score or zero these channels"
            )
        groups.append(
            Group(
                name=producers[0].name,
                channels=int(producers[0].output_shape[-1]),
                producers=tuple(n.name for n in producers),
                bns=tuple(bns),
                members=tuple(n.name for n in members),
                consumers=tuple(n.name for n in consumers),
                prunable=not reason,
                reason=reason,
                macs_per_channel=_macs_per_channel(producers, members, consumers),
            )
        )
    return groups


def _full_width(node, spaces, space):
    """The inputs of a channelwise node that carry all of its channels.

    A merge may broadcast an input of another width (a 1-channel attention
    map times a feature map): that input's channels are not the merge's.
    It keeps a space of its own, frozen, as are all when no input is full.
    """
    if node.kind not in MERGE:
        return node.inputs
    width = node.output_shape[-1]
    full = [
        i
        for i, shape in zip(node.inputs, node.input_shapes, strict=True)
        if shape[-1] == width
    ]
    for i in node.inputs:
        if i not in full or not full:
            why = f"broadcast by {node.kind} layer {node.name!r}"
            spaces.mark(space[i], why)
    return full or node.inputs


def _macs_per_channel(producers, members, consumers):
    try:
        total = sum(graph_lib.macs(n) / n.output_shape[-1] for n in producers)
        total += sum(graph_lib.macs(n) / n.output_shape[-1] for n in members)
        total += sum(graph_lib.macs(n) / n.input_shapes[0][-1] for n in consumers)
    except (ValueError, TypeError):
        return None
    return int(np.round(total))
