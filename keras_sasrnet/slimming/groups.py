"""Channel groups: the channels that must be kept or removed together.

Derived from the graph, never per architecture. Every Conv2D or Dense output
starts a channel space; layers that keep channel i as channel i (BN,
activations, pooling, dropout) carry it on; merge layers (Add, Multiply, ...)
join the spaces of their inputs into one group. A group is prunable when a
BatchNormalization scales it (its gammas are the score) and nothing but
sliceable layers read or write it: a group that reaches the model input or
output, or passes through a layer of unknown channel semantics (Lambda,
a Flatten of a map, ...), keeps all its channels. A Concatenate along the
channels lays its inputs' groups side by side: each group is then a slice
of every layer after it (``Group.offsets``), so a DenseNet channel is one
group across every BN of its block that sees it.

For SRNet this yields the residual stream {l2, l3..l7 second conv} as one
group, {shortcut, second conv} for each of l8..l11, and every other BN alone.
"""

import dataclasses

import numpy as np

from keras_sasrnet import graph as graph_lib
from keras_sasrnet import layer_cost
from keras_sasrnet.slimming.kinds import MERGE, channelwise, sliceable

# The reason of a group that is free to narrow but has no gamma to score it:
# kernel-norm and random importance (``plan.plan_model``) may still prune it.
UNSCALED = "no BatchNormalization scales these channels"


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
    # (layer, first channel) where the group is a slice of a wider channel
    # axis: members after a Concatenate, consumers reading one
    offsets: tuple[tuple[str, int], ...] = ()

    def offset(self, name):
        """Where this group's channels start in ``name``'s channel axis."""
        return dict(self.offsets).get(name, 0)

    @property
    def narrowable(self):
        """Whether channels can be removed at all: prunable, or only lacking
        a gamma (``UNSCALED``), as ConvNeXt's MLP channels."""
        return self.prunable or self.reason == UNSCALED

    def unlocked(self):
        """This group as prunable if it is ``narrowable`` (for importance
        criteria that need no gamma)."""
        if self.prunable or not self.narrowable:
            return self
        return dataclasses.replace(self, prunable=True, reason="")


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
        >>> next(g.bns for g in find_groups(srnet()) if len(g.bns) > 1)
        ('l2_bn', 'l3_bn2', 'l4_bn2', 'l5_bn2', 'l6_bn2', 'l7_bn2')
    """
    g = model_or_graph
    if not isinstance(g, graph_lib.Graph):
        g = graph_lib.from_model(g, input_size)
    spaces = _Spaces()
    layout = {}  # node -> [[space, channels], ...] along its channel axis
    born = {}  # producer -> the space it starts
    for node in g.nodes.values():
        if node.kind == "Concatenate" and _on_channels(node):
            layout[node.name] = [seg for i in node.inputs for seg in layout[i]]
            continue
        if node.inputs and channelwise(node):
            full = _full_width(node, spaces, layout)
            base = layout[full[0]]
            for other in full[1:]:
                if [n for _, n in layout[other]] == [n for _, n in base]:
                    for (a, _), (b, _) in zip(base, layout[other], strict=True):
                        spaces.union(a, b)
                else:
                    why = f"{node.kind} {node.name!r} joins differently split inputs"
                    for s, _ in base + layout[other]:
                        spaces.mark(s, why)
            layout[node.name] = base
            continue
        born[node.name] = spaces.new()
        layout[node.name] = [[born[node.name], int(node.output_shape[-1])]]
        if node.kind == "InputLayer":
            spaces.mark(born[node.name], f"tied to the model input {node.name!r}")
        elif not sliceable(node):
            why = f"passes through {node.kind} layer {node.name!r}"
            spaces.mark(born[node.name], why)
            for i in node.inputs:
                for s, _ in layout[i]:
                    spaces.mark(s, why)
    for name in g.outputs:
        for s, _ in layout[name]:
            spaces.mark(s, f"tied to the model output {name!r}")
    return [
        _group(g, spaces, root, found, born)
        for root, found in _occurrences(g, spaces, layout).items()
    ]


def _on_channels(node):
    axis = node.config.get("axis", -1)
    return axis in (-1, len(node.output_shape) - 1)


def _occurrences(g, spaces, layout):
    """{root: [(node, offset, channels, role)]}; role: "own" or "input"."""
    found = {}
    for node in g.nodes.values():
        seen = set()
        offset = 0
        for s, n in layout[node.name]:
            root = spaces.find(s)
            if root in seen:  # the same channels twice in one axis
                spaces.mark(root, f"appears twice in layer {node.name!r}")
            seen.add(root)
            found.setdefault(root, []).append((node, offset, n, "own"))
            offset += n
        if sliceable(node):
            offset = 0
            for s, n in layout[node.inputs[0]]:
                root = spaces.find(s)
                found.setdefault(root, []).append((node, offset, n, "input"))
                offset += n
    return found


def _group(g, spaces, root, found, born):
    own = [(n, o) for n, o, _, role in found if role == "own"]
    producers = [
        n
        for n, _ in own
        if born.get(n.name) is not None and spaces.find(born[n.name]) == root
    ]
    members = [(n, o) for n, o in own if n.name not in born]
    consumers = [(n, o) for n, o, _, role in found if role == "input"]
    channels = found[0][2]
    bns = [
        n.name
        for n, _ in members
        if n.kind == "BatchNormalization" and n.config.get("scale", True)
    ]
    reason = spaces.taint.get(root, "")
    if not reason and not bns:
        reason = UNSCALED
    unscaled = [
        n.name
        for n, _ in members
        if n.kind == "BatchNormalization" and not n.config.get("scale", True)
    ]
    if not reason and unscaled:
        # Its channels also flow through a BN without gamma: a zero gamma
        # elsewhere does not make the channel constant (measured: removing
        # zero-gamma channels of such a group moved outputs by 0.21).
        reason = (
            f"BatchNormalization {unscaled[0]!r} has no gamma (scale=False) "
            "to score or zero these channels (slimming.with_gammas adds them)"
        )
    if not producers:  # e.g. the channels of the model input
        producers = [found[0][0]]
    offsets = tuple((n.name, o) for n, o in members + consumers if o)
    return Group(
        name=producers[0].name,
        channels=int(channels),
        producers=tuple(n.name for n in producers),
        bns=tuple(bns),
        members=tuple(n.name for n, _ in members),
        consumers=tuple(n.name for n, _ in consumers),
        prunable=not reason,
        reason=reason,
        macs_per_channel=_macs_per_channel(
            producers, [n for n, _ in members], [n for n, _ in consumers]
        ),
        offsets=offsets,
    )


def _full_width(node, spaces, layout):
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
            for s, _ in layout[i]:
                spaces.mark(s, why)
    return full or node.inputs


def _macs_per_channel(producers, members, consumers):
    try:
        total = sum(layer_cost.macs(n) / n.output_shape[-1] for n in producers)
        total += sum(layer_cost.macs(n) / n.output_shape[-1] for n in members)
        total += sum(layer_cost.macs(n) / n.input_shapes[0][-1] for n in consumers)
    except (ValueError, TypeError):
        return None
    return int(np.round(total))
