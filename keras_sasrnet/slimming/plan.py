"""Which channels to keep: one global threshold over all group scores.

Scoring, selection and the plan are plain numpy and dicts. The plan is
JSON-serialisable: ``{producer layer name: kept channel indices}`` plus how
it was made.
"""

import dataclasses
import json
import math

import numpy as np

from keras_sasrnet import atomic
from keras_sasrnet.slimming.groups import find_groups

AGGREGATES = {"mean": np.mean, "max": np.max, "sum": np.sum}


@dataclasses.dataclass
class Plan:
    """A pruning plan.

    Attributes:
        keep: {producer layer name: sorted kept output channels}, for every
            producer of every prunable group (all channels if none removed).
        rate: the requested fraction of prunable channels to remove.
        pruned_fraction: the fraction removed after floors and rounding.
        threshold: the smallest ranking key that was kept.
        aggregate: how the scores of a group's BNs were combined.
        flops_aware: whether channels were ranked by score per MAC saved.
    """

    keep: dict[str, list[int]]
    rate: float
    pruned_fraction: float
    threshold: float
    aggregate: str = "mean"
    flops_aware: bool = False

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        data["keep"] = {k: [int(i) for i in v] for k, v in data["keep"].items()}
        return cls(**data)

    def save(self, path):
        """Writes the plan atomically (temp file + rename)."""
        atomic.write_text(path, self.to_json())

    @classmethod
    def load(cls, path):
        with open(path) as f:
            return cls.from_json(f.read())


def check_rate(rate):
    """Returns ``rate`` as a float in [0, 1) or raises a ValueError naming it."""
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise ValueError(
            f"prune rate must be a number in [0, 1); received {rate!r}"
        ) from None
    if not 0 <= value < 1:
        raise ValueError(f"prune rate must be in [0, 1); received {rate}")
    return value


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
    if aggregate not in AGGREGATES:
        raise ValueError(
            f"aggregate must be one of {sorted(AGGREGATES)}; received {aggregate!r}"
        )
    scores = {}
    for g in groups:
        if g.prunable:
            stacked = np.stack([np.abs(np.asarray(gammas[b])) for b in g.bns])
            scores[g.name] = AGGREGATES[aggregate](stacked, axis=0)
    return scores


def make_plan(
    groups,
    scores,
    rate,
    min_channels=1,
    round_to=1,
    flops_aware=False,
    aggregate="mean",
):
    """Selects the channels to keep with one global threshold.

    The ``round(rate * N)`` channels with the lowest key among all N
    prunable channels are removed (key = score, or score per MAC the
    channel costs when ``flops_aware``); then every group gets back its
    best channels up to ``max(min_channels, 1)`` and up to a multiple of
    ``round_to`` (never more than it has).

    Args:
        groups: from ``find_groups``.
        scores: {group name: per-channel score}, e.g. from ``group_scores``.
        rate: fraction of prunable channels to remove, in [0, 1).
        min_channels: fewest channels any group keeps (at least 1).
        round_to: kept counts are rounded up to a multiple of this.
        flops_aware: rank by score / (MACs per channel / mean MACs per
            channel), so that cheap channels survive over costly ones.
        aggregate: recorded in the plan (how ``scores`` were made).

    Example:
        >>> plan = make_plan(groups, group_scores(groups, gammas), 0.4)
    """
    rate = check_rate(rate)
    for name, value in (("min_channels", min_channels), ("round_to", round_to)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1; received {value!r}")
    prunable = [g for g in groups if g.prunable]
    if not prunable:
        raise ValueError(
            "nothing to prune: no channel group is scaled by a BatchNormalization "
            "and free of the model's input and output"
        )
    keys = []
    for g in prunable:
        s = np.asarray(scores[g.name], dtype=np.float64)
        if s.shape != (g.channels,):
            raise ValueError(
                f"scores of group {g.name} must have shape ({g.channels},); "
                f"received {s.shape}"
            )
        keys.append(s)
    if flops_aware:
        costs = [g.macs_per_channel for g in prunable]
        if any(c is None for c in costs):
            raise ValueError(
                "flops_aware ranking needs MACs per channel: pass input_size to "
                "find_groups for a model with a dynamic input size"
            )
        mean_cost = np.mean(costs)
        keys = [k / (c / mean_cost) for k, c in zip(keys, costs, strict=True)]

    flat = np.concatenate(keys)
    n_prune = int(round(rate * flat.size))
    order = np.argsort(flat, kind="stable")
    removed = np.zeros(flat.size, bool)
    removed[order[:n_prune]] = True
    threshold = float(flat[order[n_prune]]) if n_prune < flat.size else math.inf

    keep, offset, n_removed = {}, 0, 0
    for g, k in zip(prunable, keys, strict=True):
        kept = ~removed[offset : offset + g.channels]
        offset += g.channels
        floor = min(g.channels, max(min_channels, 1))
        target = max(int(kept.sum()), floor)
        target = min(g.channels, math.ceil(target / round_to) * round_to)
        # Give back the best-scored removed channels up to the target.
        refill = [i for i in np.argsort(-k, kind="stable") if not kept[i]]
        kept[refill[: target - int(kept.sum())]] = True
        kept_idx = np.flatnonzero(kept).tolist()
        n_removed += g.channels - len(kept_idx)
        for producer in g.producers:
            keep[producer] = [int(i) for i in kept_idx]
    return Plan(
        keep=keep,
        rate=rate,
        pruned_fraction=n_removed / flat.size,
        threshold=threshold,
        aggregate=aggregate,
        flops_aware=flops_aware,
    )


def plan_model(model, rate, aggregate="mean", input_size=None, **kwargs):
    """``make_plan`` for a Keras model, scored by its BNs' |gamma|.

    Args:
        model: a functional ``keras.Model``.
        rate: fraction of prunable channels to remove, in [0, 1).
        aggregate: "mean", "max" or "sum" over a group's BNs.
        input_size: (H, W), needed with ``flops_aware`` for dynamic inputs.
        **kwargs: ``min_channels``, ``round_to``, ``flops_aware``.

    Example:
        >>> plan = plan_model(model, 0.4, round_to=4)
    """
    groups = find_groups(model, input_size)
    if not any(g.prunable for g in groups):
        raise ValueError(
            f"model {model.name!r} is not slimmable: no channel group is scaled "
            "by a BatchNormalization and free of the model's input and output"
        )
    gammas = {
        b: model.get_layer(b).gamma.numpy() for g in groups if g.prunable for b in g.bns
    }
    scores = group_scores(groups, gammas, aggregate)
    return make_plan(groups, scores, rate, aggregate=aggregate, **kwargs)
