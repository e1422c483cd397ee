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
from keras_sasrnet.slimming import importance as importance_lib
from keras_sasrnet.slimming.groups import find_groups

SELECTIONS = ("rate", "zeros")


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
        importance: the criterion that scored the channels
            (``importance.SCORERS``).
        select: "rate" (the ``rate`` lowest-scored channels), "zeros"
            (every channel scored at or below ``zero_threshold``; ``rate``
            is then the fraction that gave) or "latency" (``budget.
            budget_plan``: lowest score per ms saved until the predicted
            latency meets ``budget_ms``; ``threshold`` is then the highest
            score removed).
        zero_threshold: the score treated as zero with ``select="zeros"``.
        budget_ms, predicted_ms: with ``select="latency"``, the budget and
            the latency model's prediction for the slimmed model.
    """

    keep: dict[str, list[int]]
    rate: float
    pruned_fraction: float
    threshold: float
    aggregate: str = "mean"
    importance: str = "gamma"
    select: str = "rate"
    zero_threshold: float = 0.0
    budget_ms: float | None = None
    predicted_ms: float | None = None

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        if "flops_aware" in data:  # plans written before importance criteria
            flops = data.pop("flops_aware")
            data.setdefault("importance", "gamma_per_mac" if flops else "gamma")
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


def zeros_rate(groups, scores, threshold=0.0):
    """The fraction of prunable channels scored at or below ``threshold``.

    Sparsity training with a proximal step leaves exact zeros: pruning
    exactly those changes nothing, and this is the rate that does it.

    Example:
        >>> zeros_rate(groups, {"a": np.array([0.0, 0.0, 0.3, 1.0])})
        0.5
    """
    if not threshold >= 0:
        raise ValueError(f"zero threshold must be >= 0; received {threshold}")
    flat = np.concatenate([np.asarray(scores[g.name]) for g in groups if g.prunable])
    if flat.size and np.all(flat <= threshold):
        raise ValueError(
            f"every prunable channel scores <= {threshold}: sparsity training "
            "emptied the model (lower the penalty alpha)"
        )
    return float(np.mean(flat <= threshold)) if flat.size else 0.0


def make_plan(
    groups,
    scores,
    rate,
    min_channels=1,
    round_to=1,
    aggregate="mean",
    importance="gamma",
    select="rate",
    zero_threshold=0.0,
):
    """Selects the channels to keep with one global threshold.

    The ``round(rate * N)`` channels with the lowest score among all N
    prunable channels are removed (with ``select="zeros"``, the rate is
    ``zeros_rate``: every channel scored at or below ``zero_threshold``);
    then every group gets back its best channels up to
    ``max(min_channels, 1)`` and up to a multiple of ``round_to`` (never
    more than it has).

    Args:
        groups: from ``find_groups``.
        scores: {group name: per-channel score}, e.g. from
            ``importance.score``.
        rate: fraction of prunable channels to remove, in [0, 1) (ignored
            with ``select="zeros"``).
        min_channels: fewest channels any group keeps (at least 1).
        round_to: kept counts are rounded up to a multiple of this.
        aggregate, importance: recorded in the plan (how ``scores`` were
            made).
        select: "rate" or "zeros".
        zero_threshold: the score counted as zero with ``select="zeros"``.

    Example:
        >>> plan = make_plan(groups, group_scores(groups, gammas), 0.4)
    """
    if select not in SELECTIONS:
        raise ValueError(f"select must be one of {SELECTIONS}; received {select!r}")
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
    if select == "zeros":
        rate = zeros_rate(groups, scores, zero_threshold)
    rate = check_rate(rate)
    keys = []
    for g in prunable:
        s = np.asarray(scores[g.name], dtype=np.float64)
        if s.shape != (g.channels,):
            raise ValueError(
                f"scores of group {g.name} must have shape ({g.channels},); "
                f"received {s.shape}"
            )
        keys.append(s)
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
        importance=importance,
        select=select,
        zero_threshold=float(zero_threshold),
    )


def plan_model(
    model, rate, aggregate="mean", input_size=None, importance="gamma", seed=0, **kwargs
):
    """``make_plan`` for a Keras model, scored by an importance criterion.

    Args:
        model: a functional ``keras.Model``.
        rate: fraction of prunable channels to remove, in [0, 1).
        aggregate: "mean", "max" or "sum" over a group's BNs.
        input_size: (H, W), needed by ``gamma_per_mac`` for dynamic inputs.
        importance: a name of ``importance.SCORERS`` (default |gamma|).
        seed: for the ``random`` criterion.
        **kwargs: ``min_channels``, ``round_to``, ``select``,
            ``zero_threshold``.

    Example:
        >>> plan = plan_model(model, 0.4, round_to=4)
        >>> emptied = plan_model(model, 0.0, select="zeros")
    """
    groups = find_groups(model, input_size)
    if importance not in importance_lib.NEEDS_GAMMA:
        # Kernel norms and chance need no gamma: channels that no BN scales
        # (ConvNeXt's MLPs, squeeze-excite) may go too, lossy as any.
        groups = [g.unlocked() for g in groups]
    if not any(g.prunable for g in groups):
        raise ValueError(
            f"model {model.name!r} is not slimmable: no channel group is scaled "
            "by a BatchNormalization and free of the model's input and output"
            + (
                ""
                if importance != "gamma"
                else "; importance='l1_norm' also "
                "prunes channels that no BatchNormalization scales"
            )
        )
    scores = importance_lib.score(importance, model, groups, aggregate, seed)
    return make_plan(
        groups, scores, rate, aggregate=aggregate, importance=importance, **kwargs
    )
