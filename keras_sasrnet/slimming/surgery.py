"""Model surgery: rebuild a narrower model and copy the surviving weights.

The only slimming module that touches Keras layers. The rebuild clones the
functional graph with reduced ``filters``/``units`` and copies weights by
layer name (never by index): conv/dense kernels are sliced on their output
axis ``[..., keep]`` and input axis (``[:, :, keep, :]``, ``[keep, :]``),
BN gamma/beta/moving statistics on ``[keep]``.

Folding: a removed channel whose BN output is (close to) the constant beta
still fed a constant into the layers reading it. Its expected value is
carried through the channel-preserving layers (activations exactly, pooling
as identity) and its contribution ``sum(kernel[..., c, :] * value_c)`` is
moved into the reader: its bias, else the moving mean of the BN right after
it, else a new bias. Exact away from zero-padded borders.
"""

import keras
import numpy as np

from keras_sasrnet import graph as graph_lib
from keras_sasrnet.penalty import GammaL1
from keras_sasrnet.slimming import kinds
from keras_sasrnet.slimming.clone import clone_with, layer_weights
from keras_sasrnet.slimming.groups import find_groups
from keras_sasrnet.slimming.kinds import MERGE
from keras_sasrnet.slimming.plan import plan_model

_IDENTITY_ON_CONSTANTS = frozenset(
    {
        "AveragePooling2D",
        "MaxPooling2D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "ZeroPadding2D",
        "Cropping2D",
        "Dropout",
        "SpatialDropout2D",
        "GaussianNoise",
        "GaussianDropout",
        "Identity",
    }
)


def _keep_per_group(groups, plan_keep):
    """{group name: kept indices} for groups the plan narrows; validates it."""
    producers = {p: g for g in groups for p in g.producers}
    unknown = [name for name in plan_keep if name not in producers]
    if unknown:
        raise ValueError(f"plan names layers that produce no channel group: {unknown}")
    result = {}
    for g in groups:
        lists = {tuple(plan_keep[p]) for p in g.producers if p in plan_keep}
        if not lists:
            continue
        if len(lists) > 1 or any(p not in plan_keep for p in g.producers):
            raise ValueError(
                f"plan must keep the same channels of every producer of group "
                f"{g.name} {list(g.producers)}"
            )
        keep = np.array(lists.pop(), dtype=int)
        if keep.size == 0:
            raise ValueError(f"plan empties group {g.name}; keep at least 1 channel")
        if (
            keep.min() < 0
            or keep.max() >= g.channels
            or np.unique(keep).size != keep.size
        ):
            raise ValueError(
                f"kept channels of group {g.name} must be distinct indices in "
                f"[0, {g.channels}); received {keep.tolist()}"
            )
        if keep.size < g.channels:
            if not g.narrowable:
                raise ValueError(f"group {g.name} cannot be pruned: {g.reason}")
            result[g.name] = np.sort(keep)
    return result


def _constant_values(graph, group, model, weights):
    """Expected value of every channel at each member's output (NaN: unknown)."""
    value = {p: np.full(group.channels, np.nan) for p in group.producers}
    for name in group.members:  # topological order
        node = graph.nodes[name]
        # an input from outside the group (a broadcast map) is not constant
        unknown = np.full(group.channels, np.nan)
        ins = [value.get(i, unknown) for i in node.inputs]
        at = slice(group.offset(name), group.offset(name) + group.channels)
        if node.kind == "Concatenate":  # the input that holds the group
            value[name] = next((value[i] for i in node.inputs if i in value), unknown)
        elif node.kind == "BatchNormalization":
            w, cfg = {k: a[at] for k, a in weights[name].items()}, node.config
            gamma = w.get("gamma", np.ones(group.channels))
            beta = w.get("beta", np.zeros(group.channels))
            std = np.sqrt(w["moving_variance"] + cfg["epsilon"])
            known = gamma * (ins[0] - w["moving_mean"]) / std + beta
            value[name] = np.where(np.isnan(ins[0]), beta, known)
        elif node.kind in _IDENTITY_ON_CONSTANTS:
            value[name] = ins[0]
        elif kinds.depthwise(node):  # a constant map stays constant
            w = weights[name]
            taps = w["kernel"].sum(axis=(0, 1))  # (C, 1), or (1, C) if grouped
            taps = taps[0, at] if kinds.grouped_depthwise(node) else taps[at, 0]
            out = ins[0] * taps + (w["bias"][at] if "bias" in w else 0.0)
            act = keras.activations.get(node.config.get("activation"))
            value[name] = np.asarray(act(np.nan_to_num(out).astype("float32")))
            value[name] = np.where(np.isnan(ins[0]), np.nan, value[name])
        else:  # element-wise activation or merge: ask the layer itself
            op = {o.name: o for o in model.operations}[graph_lib.layer_of(name)]
            tensors = [
                np.nan_to_num(v).reshape(1, 1, 1, -1).astype("float32") for v in ins
            ]
            if node.call is not None:  # a raw op (x + y, x + 3.0)
                out = graph_lib.call_op(op, node.call, tensors)
            else:
                out = op(tensors if node.kind in MERGE else tensors[0])
            unknown = np.any([np.isnan(v) for v in ins], axis=0)
            value[name] = np.where(unknown, np.nan, np.asarray(out).reshape(-1))
    return value


def _fold(graph, groups, keep, model, weights):
    """Moves removed channels' constant contributions into their readers.

    Mutates ``weights`` (full size, before slicing); returns names of layers
    that need a new bias.
    """
    new_bias = set()
    for g in groups:
        if g.name not in keep:
            continue
        removed = np.setdiff1d(np.arange(g.channels), keep[g.name])
        value = _constant_values(graph, g, model, weights)
        for reader in g.consumers:
            node = graph.nodes[reader]
            v = value[node.inputs[0]][removed]
            ok = ~np.isnan(v)
            rows = g.offset(reader) + removed[ok]  # in the reader's input axis
            if node.kind == "SeparableConv2D":  # a constant through both parts
                w = weights[reader]
                kernel = w["pointwise_kernel"]
                spread = w["depthwise_kernel"][:, :, rows, 0].sum(axis=(0, 1))
                taps = spread[:, None] * kernel[0, 0, rows, :]
            elif node.kind == "Conv2D":
                kernel = weights[reader]["kernel"]
                taps = kernel[:, :, rows, :].sum(axis=(0, 1))
            else:
                kernel = weights[reader]["kernel"]
                taps = kernel[rows, :]
            delta = v[ok] @ taps
            if not np.any(delta):
                continue
            after = graph.consumers(reader)
            if "bias" in weights[reader]:
                weights[reader]["bias"] += delta
            elif (
                len(after) == 1
                and graph.nodes[after[0]].kind == "BatchNormalization"
                and reader not in graph.outputs
            ):
                weights[after[0]]["moving_mean"] -= delta
            else:
                weights[reader]["bias"] = delta.astype(kernel.dtype)
                new_bias.add(reader)
    return new_bias


def _slice(graph, groups, keep, weights):
    """Slices the full weights to the kept channels, by layer name."""
    out_keep, in_keep, chan_keep = {}, {}, {}
    chan_drop, in_drop = {}, {}
    for g in groups:
        if g.name in keep:
            removed = np.setdiff1d(np.arange(g.channels), keep[g.name])
            for p in g.producers:
                out_keep[p] = keep[g.name]
            for m in g.members:  # (a slice of it, after a Concatenate)
                chan_drop.setdefault(m, []).append(g.offset(m) + removed)
            for c in g.consumers:
                in_drop.setdefault(c, []).append(g.offset(c) + removed)
    for drop, kept, width in (
        (chan_drop, chan_keep, lambda n: n.output_shape[-1]),
        (in_drop, in_keep, lambda n: n.input_shapes[0][-1]),
    ):
        for name, parts in drop.items():
            all_ = np.arange(width(graph.nodes[name]))
            kept[name] = np.setdiff1d(all_, np.concatenate(parts))
    sliced = {}
    for name, arrays in weights.items():
        kind = graph.nodes[name].kind
        new = dict(arrays)
        if name in chan_keep and kinds.depthwise(graph.nodes[name]):
            # (kh, kw, C, 1), or (kh, kw, 1, C) for a grouped Conv2D
            axis = 3 if kinds.grouped_depthwise(graph.nodes[name]) else 2
            new["kernel"] = np.take(arrays["kernel"], chan_keep[name], axis=axis)
            if "bias" in arrays:
                new["bias"] = arrays["bias"][chan_keep[name]]
        elif name in chan_keep:
            new = {k: a[chan_keep[name]] for k, a in arrays.items()}
        if kind == "SeparableConv2D":
            if name in in_keep:
                for key in ("depthwise_kernel", "pointwise_kernel"):
                    new[key] = np.take(new[key], in_keep[name], axis=2)
            if name in out_keep:
                new["pointwise_kernel"] = new["pointwise_kernel"][..., out_keep[name]]
                if "bias" in new:
                    new["bias"] = new["bias"][out_keep[name]]
        if kind in ("Conv2D", "Dense") and not kinds.depthwise(graph.nodes[name]):
            axis_in = 2 if kind == "Conv2D" else 0
            if name in in_keep:
                new["kernel"] = np.take(new["kernel"], in_keep[name], axis=axis_in)
            if name in out_keep:
                new["kernel"] = new["kernel"][..., out_keep[name]]
                if "bias" in new:
                    new["bias"] = new["bias"][out_keep[name]]
        sliced[name] = new
    widths = {name: len(k) for name, k in out_keep.items()}
    return sliced, widths, chan_keep


def rebuild(model, plan, fold=True):
    """A narrower copy of ``model`` keeping the channels a plan names.

    Args:
        model: a functional ``keras.Model``.
        plan: a ``Plan`` or its ``keep`` dict {producer name: kept indices}.
        fold: move the constant contribution of removed channels into the
            layers that read them (see the module docstring).

    Returns:
        A new functional model with the same layer names. Keeping all
        channels reproduces the model exactly.

    Example:
        >>> slim = rebuild(model, make_plan(groups, scores, 0.6))
    """
    plan_keep = getattr(plan, "keep", plan)
    model = graph_lib.inline(model)  # nested models are rebuilt flat
    graph = graph_lib.from_model(model)
    groups = find_groups(graph)
    keep = _keep_per_group(groups, plan_keep)
    weights = layer_weights(model)
    new_bias = _fold(graph, groups, keep, model, weights) if fold else set()
    sliced, widths, member_keep = _slice(graph, groups, keep, weights)
    bn_keep = member_keep

    def edit(layer, cfg):
        if layer.name in widths:
            cfg["filters" if "filters" in cfg else "units"] = widths[layer.name]
        if layer.name in member_keep and kinds.grouped_depthwise(
            graph.nodes[layer.name]
        ):
            cfg["filters"] = cfg["groups"] = len(member_keep[layer.name])
        if layer.name in member_keep and "target_shape" in cfg:  # a Reshape
            cfg["target_shape"] = [
                *cfg["target_shape"][:-1],
                len(member_keep[layer.name]),
            ]
        if layer.name in new_bias:
            cfg["use_bias"] = True
            cfg["bias_initializer"] = "zeros"
        reg = getattr(layer, "gamma_regularizer", None)
        if layer.name in bn_keep and isinstance(reg, GammaL1) and reg.weights:
            # Per-channel (cost) weights follow their channels.
            w = np.asarray(reg.weights)[bn_keep[layer.name]]
            narrowed = GammaL1(reg.alpha, w, reg.proximal, reg.group)
            cfg["gamma_regularizer"] = keras.saving.serialize_keras_object(narrowed)

    return clone_with(model, edit, sliced)


def slim(model, rate, aggregate="mean", fold=True, **plan_kwargs):
    """Plans and rebuilds in one step: (narrower model, plan).

    Args:
        model: a functional ``keras.Model`` with BN-scaled channel groups.
        rate: fraction of prunable channels to remove, in [0, 1).
        aggregate: "mean", "max" or "sum" of a group's |gamma|.
        fold: see ``rebuild``.
        **plan_kwargs: ``min_channels``, ``round_to``, ``importance``,
            ``select``, ``zero_threshold``, ``seed``, ``input_size``, as in
            ``plan_model``.

    Example:
        >>> slim_model, plan = slim(model, 0.6)
    """
    plan = plan_model(model, rate, aggregate=aggregate, **plan_kwargs)
    return rebuild(model, plan, fold=fold), plan
