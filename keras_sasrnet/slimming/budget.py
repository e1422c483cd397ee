"""Channels to keep under a latency budget: a greedy knapsack (as HALP).

A global threshold over channel scores removes a rate of channels whatever
they cost; on a CPU the cheap ones (deep, low-resolution) go first and the
slimmed model is hardly faster (the benchmark's 80 % row: 12.8 % of the
MACs, 61 % of the time). Here channels are removed in order of score per
millisecond saved, under a fitted ``latency.LatencyModel``, until the
predicted latency meets the budget; the marginal costs are recomputed as
the widths shrink (a channel of a thin layer saves less).
"""

import math

import numpy as np

from keras_sasrnet.latency import GroupLatency
from keras_sasrnet.slimming import importance as importance_lib
from keras_sasrnet.slimming.groups import find_groups
from keras_sasrnet.slimming.plan import Plan

STEP = 0.01  # fraction of the prunable channels removed between re-pricings
ORDERS = ("per_ms", "score")


def budget_plan(
    model,
    latency_model,
    budget_ms,
    aggregate="mean",
    importance="gamma",
    min_channels=1,
    round_to=1,
    seed=0,
    min_fraction=0.0,
    order="per_ms",
):
    """A ``Plan`` whose model the latency model predicts at <= ``budget``.

    Args:
        model: a functional ``keras.Model``.
        latency_model: a fitted ``latency.LatencyModel`` (its input size is
            the one the budget is for).
        budget_ms: the predicted milliseconds to reach (for a fraction of
            the full model's: ``fraction * latency_model.predict(model)``).
        aggregate, importance, seed: how channels are scored (as
            ``plan_model``); a unit's value is its score over what it saves.
        min_channels: fewest channels any group keeps.
        min_fraction: every group keeps at least this fraction of its
            channels (rounded up). Channel by channel, score per ms drains
            the expensive full-resolution groups of SRNet first: at 30 % of
            its latency the benchmark's plan left layer 1 with 4 of 64
            channels and every stream group at the floor, and scored 57 %
            where L1-norm pruning at the same latency, every group at ~30 %,
            scored 74 % (LSB matching 0.4, seed 0).
        round_to: channels leave a group ``round_to`` at a time (widths stay
            multiples of it where the group's width is).
        order: "per_ms" (the knapsack: lowest score per ms saved first) or
            "score" (lowest score first across groups, as a global |gamma|
            threshold; the latency model only says when to stop). With a
            latency-weighted sparsity method the cost is already in the
            scores, and "per_ms" prices it a second time.

    Returns:
        A ``Plan`` with ``select="latency"``, ``budget_ms`` and
        ``predicted_ms`` (the model's latency after the cut, predicted).

    Raises:
        ValueError: the floors keep the model above the budget (it names
            the lowest latency reached).

    Example:
        >>> plan = budget_plan(sparse, table, table.predict(sparse) / 3)
    """
    if budget_ms is None or not budget_ms > 0:
        raise ValueError(f"latency budget must be > 0 ms; received {budget_ms}")
    for name, value in (("min_channels", min_channels), ("round_to", round_to)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1; received {value!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}; received {order!r}")
    if not 0 <= min_fraction < 1:
        raise ValueError(f"min_fraction must be in [0, 1); received {min_fraction}")
    groups = find_groups(model, latency_model.input_size)
    prunable = [g for g in groups if g.prunable]
    if not prunable:
        raise ValueError(f"model {model.name!r} has no prunable channel group")
    costs = GroupLatency(model, latency_model, groups)
    full = costs.predict()
    scores = importance_lib.score(importance, model, groups, aggregate, seed)
    # Each group gives up its channels lowest score first.
    ranked = {g.name: list(np.argsort(scores[g.name], kind="stable")) for g in prunable}
    widths = {g.name: g.channels for g in prunable}
    floors = {
        g.name: min(g.channels, max(min_channels, math.ceil(min_fraction * g.channels)))
        for g in prunable
    }
    removed = {g.name: 0 for g in prunable}
    total = sum(g.channels for g in prunable)
    batch = max(1, int(STEP * total))
    predicted = full
    while predicted > budget_ms:
        per_channel = costs.channel_costs(widths)
        units = []  # (value, group, unit index): every unit a group can give
        for g in prunable:
            name, n = g.name, removed[g.name]
            saved = max(per_channel[name], 1e-12) * round_to if order == "per_ms" else 1
            for k in range((widths[name] - floors[name]) // round_to):
                unit = ranked[name][n + k * round_to : n + (k + 1) * round_to]
                units.append((float(np.sum(scores[name][unit])) / saved, name, k))
        if not units:
            raise ValueError(
                f"latency budget {budget_ms:.3g} ms out of reach: with every "
                f"group at its floor (min_channels={min_channels}, min_fraction="
                f"{min_fraction:g}) the model "
                f"is predicted at {predicted:.3g} ms (full: {full:.3g} ms)"
            )
        # The best-value units at this pricing (a group's own in score
        # order), then a new pricing at the narrower widths.
        for _, name, _ in sorted(units)[:batch]:
            widths[name] -= round_to
            removed[name] += round_to
        predicted = costs.predict(widths)
    keep = {}
    for g in prunable:
        kept = sorted(int(i) for i in ranked[g.name][removed[g.name] :])
        for producer in g.producers:
            keep[producer] = kept
    fraction = sum(removed.values()) / total
    cut = [scores[g.name][ranked[g.name][: removed[g.name]]] for g in prunable]
    cut = np.concatenate(cut) if any(len(c) for c in cut) else np.zeros(0)
    return Plan(
        keep=keep,
        rate=fraction,
        pruned_fraction=fraction,
        threshold=float(cut.max()) if cut.size else -math.inf,
        aggregate=aggregate,
        importance=importance,
        select="latency",
        budget_ms=float(budget_ms),
        predicted_ms=float(predicted),
    )
