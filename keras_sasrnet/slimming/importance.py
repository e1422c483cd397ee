"""Importance criteria: one score per channel of every prunable group.

Every scorer has the signature ``scorer(model, groups, aggregate, seed)`` and
returns {group name: per-channel scores}; higher means more worth keeping.
The plan, the binaries, the configs and the benchmark reach them by name
(``SCORERS``):

- ``gamma``: |gamma| of the group's BNs, aggregated (network slimming).
- ``gamma_per_mac``: |gamma| divided by the channel's MACs relative to the
  mean, so that costly channels go first (a post-hoc FLOPs-aware ranking;
  ``sparsity`` method ``*_cost`` weighs the cost during training instead).
- ``l1_norm``: L1 norm of the producing kernels (Li et al., ICLR 2017), a
  baseline that needs no sparsity training.
- ``random``: uniform random scores, a baseline.
"""

import numpy as np

from keras_sasrnet import graph as graph_lib

AGGREGATES = {"mean": np.mean, "max": np.max, "sum": np.sum}


def check_aggregate(aggregate):
    if aggregate not in AGGREGATES:
        raise ValueError(
            f"aggregate must be one of {sorted(AGGREGATES)}; received {aggregate!r}"
        )
    return aggregate


def group_scores(groups, gammas, aggregate="mean"):
    """Per-channel score of every prunable group from its BNs' |gamma|.

    Args:
        groups: from ``find_groups``.
        gammas: {BN layer name: gamma array}.
        aggregate: "mean", "max" or "sum" over the group's BNs.

    Example:
        >>> group_scores(groups, {"bn": np.array([0.1, -0.5])})["conv"]
        array([0.1, 0.5])
    """
    check_aggregate(aggregate)
    scores = {}
    for g in groups:
        if g.prunable:
            stacked = np.stack(
                [
                    np.abs(np.asarray(gammas[b]))[
                        g.offset(b) : g.offset(b) + g.channels
                    ]
                    for b in g.bns
                ]
            )
            scores[g.name] = AGGREGATES[aggregate](stacked, axis=0)
    return scores


def per_mac(groups, scores):
    """``scores`` divided by each channel's MACs relative to the mean.

    Example:
        >>> per_mac(groups, group_scores(groups, gammas))
    """
    prunable = [g for g in groups if g.prunable]
    costs = [g.macs_per_channel for g in prunable]
    if any(c is None for c in costs):
        raise ValueError(
            "ranking per MAC needs MACs per channel: pass input_size to "
            "find_groups for a model with a dynamic input size"
        )
    mean = np.mean(costs)
    return {
        g.name: np.asarray(scores[g.name]) / (g.macs_per_channel / mean)
        for g in prunable
    }


def _gammas(model, groups):
    model = graph_lib.inline(model)  # a nested model's BNs by their names
    return {
        b: np.asarray(model.get_layer(b).gamma)
        for g in groups
        if g.prunable
        for b in g.bns
    }


def gamma(model, groups, aggregate="mean", seed=0):
    del seed
    return group_scores(groups, _gammas(model, groups), aggregate)


def gamma_per_mac(model, groups, aggregate="mean", seed=0):
    return per_mac(groups, gamma(model, groups, aggregate, seed))


def l1_norm(model, groups, aggregate="mean", seed=0):
    """Per-channel L1 norm of the producing kernels, averaged over producers."""
    del aggregate, seed
    model = graph_lib.inline(model)
    scores = {}
    for g in groups:
        if g.prunable:
            norms = []
            for name in g.producers:
                kernel = np.asarray(model.get_layer(name).kernel)
                norms.append(np.abs(kernel).reshape(-1, kernel.shape[-1]).sum(0))
            scores[g.name] = np.mean(norms, axis=0)
    return scores


def random(model, groups, aggregate="mean", seed=0):
    del model, aggregate
    rng = np.random.default_rng(seed)
    return {g.name: rng.random(g.channels) for g in groups if g.prunable}


# The --importance flag's help, shared by the binaries.
HELP = (
    "Channel score: gamma (|gamma|), gamma_per_mac (|gamma| per MAC the "
    "channel costs, so costly channels go first), l1_norm (kernel L1 norm) "
    "or random (seeded by --seed where the binary has one)."
)

SCORERS = {
    "gamma": gamma,
    "gamma_per_mac": gamma_per_mac,
    "l1_norm": l1_norm,
    "random": random,
}


# Criteria that read BN gammas: the others also score groups with none.
NEEDS_GAMMA = frozenset({"gamma", "gamma_per_mac"})


def score(name, model, groups, aggregate="mean", seed=0):
    """Scores of the prunable groups of ``model`` by the criterion ``name``.

    Example:
        >>> scores = score("gamma", model, find_groups(model))
    """
    if name not in SCORERS:
        raise ValueError(
            f"importance must be one of {sorted(SCORERS)}; received {name!r}"
        )
    check_aggregate(aggregate)
    return SCORERS[name](model, groups, aggregate, seed)
