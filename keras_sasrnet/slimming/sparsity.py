"""Sparsity training methods: how the gamma penalty is attached and minimised.

A method is a name for four choices (see ``METHODS``): whether the L1 term
is minimised through the gradient (``coupled``, the paper) or by a proximal
step (``prox``, exact zeros), which optimizer runs the phase, whether each
channel's penalty is weighted by the MACs it costs, and whether the BNs of
one channel group (tied by residual adds) are penalised as a group (group
lasso, ``gprox``: a tied channel reaches zero in all of them at once).
``with_sparsity`` returns a copy of a model with the method's penalty on
every prunable BN; ``loop.compile_model`` picks the optimizer from the
recipe.
"""

import dataclasses

import keras
import numpy as np

from keras_sasrnet import graph as graph_lib
from keras_sasrnet import latency as latency_lib
from keras_sasrnet.penalty import GammaL1
from keras_sasrnet.slimming import clone
from keras_sasrnet.slimming.groups import find_groups


@dataclasses.dataclass(frozen=True)
class Method:
    """One way to sparsity-train.

    Attributes:
        proximal: soft-threshold gamma after every step (exact zeros) rather
            than add the L1 term to the loss.
        optimizer: "adamax" (the paper's recipe) or "sgd" (with momentum,
            as Liu et al. 2017 trained slimming).
        cost_weighted: weight each channel's penalty by what it costs
            (``cost_weights``), so training decides which costly channels go.
        cost: what that cost is: "macs", or "latency" (the marginal ms of
            a fitted ``latency.LatencyModel``: full-resolution channels cost
            far more than their MACs on a CPU).
        grouped: one group-lasso penalty per channel over the BNs of its
            group (proximal only; see ``regularizer.GammaL1``).
    """

    proximal: bool
    optimizer: str
    cost_weighted: bool = False
    grouped: bool = False
    cost: str = "macs"


METHODS = {
    "l1": Method(proximal=False, optimizer="adamax"),
    "l1_sgd": Method(proximal=False, optimizer="sgd"),
    "prox": Method(proximal=True, optimizer="adamax"),
    "prox_sgd": Method(proximal=True, optimizer="sgd"),
    "prox_cost": Method(proximal=True, optimizer="adamax", cost_weighted=True),
    "l1_cost": Method(proximal=False, optimizer="adamax", cost_weighted=True),
    "gprox": Method(proximal=True, optimizer="adamax", grouped=True),
    "gprox_cost": Method(
        proximal=True, optimizer="adamax", cost_weighted=True, grouped=True
    ),
    "prox_latency": Method(
        proximal=True, optimizer="adamax", cost_weighted=True, cost="latency"
    ),
    "gprox_latency": Method(
        proximal=True,
        optimizer="adamax",
        cost_weighted=True,
        grouped=True,
        cost="latency",
    ),
}


def method(name):
    """The ``Method`` called ``name``; a ValueError lists the known ones."""
    if name not in METHODS:
        raise ValueError(
            f"sparsity method must be one of {sorted(METHODS)}; received {name!r}"
        )
    return METHODS[name]


_method = method  # with_sparsity's argument of that name hides it


def cost_weights(groups, costs=None):
    """Per-channel penalty weights proportional to what a channel costs.

    A channel of group g costs ``costs[g.name]``, by default
    ``g.macs_per_channel`` (its producers' and consumers' MACs per channel);
    its weight is that cost divided by the mean cost over all prunable
    channels, so the weights of the prunable channels sum to their number
    (a uniform model would get all 1). Every BN of a group gets its group's
    weight: each must reach zero for the channel to go.

    Args:
        groups: from ``find_groups`` with a concrete input size.
        costs: {group name: cost per channel}, e.g. the marginal ms of
            ``latency.channel_costs``; default the MACs.

    Returns:
        {BN layer name: weight per channel (numpy array)}.

    Example:
        >>> w = cost_weights(find_groups(model, (256, 256)))
    """
    prunable = [g for g in groups if g.prunable]
    if costs is None:
        costs = {g.name: g.macs_per_channel for g in groups}
    if any(costs.get(g.name) is None for g in prunable):
        raise ValueError(
            "cost-weighted sparsity needs MACs per channel: give the model a "
            "concrete input size (or pass input_size)"
        )
    total = sum(costs[g.name] * g.channels for g in prunable)
    count = sum(g.channels for g in prunable)
    mean = total / count
    # A BN after a Concatenate holds several groups' channels (frozen ones
    # unpenalised, weight 0).
    width = {}
    for g in groups:
        for b in g.bns:
            width[b] = max(width.get(b, 0), g.offset(b) + g.channels)
    weights = {b: np.zeros(width[b]) for g in prunable for b in g.bns}
    for g in prunable:
        for b in g.bns:
            start = g.offset(b)
            weights[b][start : start + g.channels] = costs[g.name] / mean
    return weights


def penalised_bns(
    model, cost_weighted=False, input_size=None, grouped=False, costs=None
):
    """{prunable BN name: (per-channel weights or None, group or None)}.

    The group is the channel group's name for BNs that share their channels
    with other BNs, when ``grouped``; None otherwise. ``costs``: per-channel
    costs of the groups (``cost_weights``), default MACs.
    """
    groups = find_groups(model, input_size)
    weights = cost_weights(groups, costs) if cost_weighted else {}
    spans = {}  # BN -> how many groups share its channel axis
    for g in groups:
        for b in g.bns:
            spans[b] = spans.get(b, 0) + 1
    return {
        # a BN holding several groups' channels is penalised per channel
        b: (
            weights.get(b),
            g.name if grouped and len(g.bns) > 1 and spans[b] == 1 else None,
        )
        for g in groups
        if g.prunable
        for b in g.bns
    }


def with_sparsity(
    model, alpha, gamma_init=None, method="l1", input_size=None, latency_model=None
):
    """A copy of ``model`` whose prunable BNs carry the gamma-L1 penalty.

    Used to sparsity-train a pre-trained detector (the paper's recipe).

    Args:
        model: a functional ``keras.Model``.
        alpha: penalty strength (the paper: 1e-4, coupled).
        gamma_init: if given, reset every prunable gamma to this value.
        method: a name from ``sparsity.METHODS`` ("l1" is the paper's
            coupled penalty; "prox" soft-thresholds after every step).
        input_size: (H, W) for cost-weighted methods on dynamic inputs.
        latency_model: a fitted ``latency.LatencyModel``, for the
            latency-weighted methods (``*_latency``): each channel's weight
            is its marginal ms at the model's deployment size.

    Example:
        >>> sparse = with_sparsity(trained, 0.25, method="prox")
    """
    m = _method(method)
    weights = clone.layer_weights(model)
    costs = None
    if m.cost == "latency":
        if latency_model is None:
            raise ValueError(
                f"sparsity method {method!r} needs a latency model "
                "(latency.table: a table.json of benchmarks/latency)"
            )
        groups = find_groups(model, latency_model.input_size)
        costs = latency_lib.channel_costs(model, latency_model, groups)
    penalised = penalised_bns(model, m.cost_weighted, input_size, m.grouped, costs)
    if gamma_init is not None:
        for b in penalised:
            weights[b]["gamma"] = np.full_like(weights[b]["gamma"], gamma_init)

    def edit(layer, cfg):
        if layer.name in penalised:
            w, group = penalised[layer.name]
            regularizer = GammaL1(alpha, w, m.proximal, group)
            cfg["gamma_regularizer"] = keras.saving.serialize_keras_object(regularizer)

    return clone.clone_with(model, edit, weights)


def without_sparsity(model):
    """A copy of ``model`` with no gamma penalty (e.g. for fine-tuning)."""

    def edit(layer, cfg):
        if isinstance(layer, keras.layers.BatchNormalization):
            cfg["gamma_regularizer"] = None

    return clone.clone_with(model, edit, clone.layer_weights(model))


def with_gammas(model):
    """A copy of ``model`` whose ``scale=False`` BNs have a gamma of ones.

    The same function (gamma 1 is what ``scale=False`` computes), now with a
    slimming factor: InceptionV3's BNs are all ``scale=False``, so without
    gammas none of its channel groups can be scored or zeroed. Sparsity
    training then drives these gammas as any other.

    Example:
        >>> slimmable = with_gammas(keras.applications.InceptionV3(weights=None))
    """
    weights = clone.layer_weights(model)
    flat = graph_lib.inline(model)
    unscaled = [
        layer
        for layer in flat.layers
        if isinstance(layer, keras.layers.BatchNormalization) and not layer.scale
    ]
    for layer in unscaled:
        width = layer.moving_mean.shape[0]
        arrays = weights[layer.name]  # gamma comes first in a BN's weights
        weights[layer.name] = {"gamma": np.ones(width, "float32"), **arrays}
    names = {layer.name for layer in unscaled}

    def edit(layer, cfg):
        if layer.name in names:
            cfg["scale"] = True

    return clone.clone_with(model, edit, weights)


def randomize_gammas(model, seed=0, scale=0.5):
    """Sets every prunable BN gamma to ``scale * |N(0, 1)|`` (in place).

    An untrained model has all gammas equal, so a |gamma| ranking is all
    ties; random gammas stand in for a sparsity-trained model when only the
    cost of a slimmed architecture is wanted (``bin/sasrnet_profile``).
    """
    rng = np.random.default_rng(seed)
    flat = graph_lib.inline(model)  # the same layers, nested ones inlined
    for g in find_groups(flat):
        if g.prunable:
            for b in g.bns:
                gamma = flat.get_layer(b).gamma
                gamma.assign(scale * np.abs(rng.normal(size=gamma.shape)))
    return model
