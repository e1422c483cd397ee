"""The pruning baselines slimming is measured against, at matched size.

- **L1-norm filter pruning** (Li et al., ICLR 2017): every prunable group
  keeps the same fraction of its channels, those whose producing conv
  kernels have the largest L1 norm.
- **Random channel pruning**: the same per-group fraction, channels drawn at
  random.
- **A uniformly thinner network**: the architecture with every width scaled
  by one factor, trained from scratch.

Each is solved for the trainable-parameter count of a slimmed model, or
for its predicted latency (``size=latency_size(table)``), so the comparison
is at equal size; only which channels (or widths) differ.
"""

import math

import numpy as np

from keras_sasrnet import models, profile
from keras_sasrnet.slimming import importance
from keras_sasrnet.slimming.groups import find_groups
from keras_sasrnet.slimming.plan import Plan
from keras_sasrnet.slimming.surgery import rebuild

CRITERIA = ("l1", "random")


def uniform_plan(groups, scores, keep_fraction):
    """Each prunable group keeps ``ceil(keep_fraction * C)`` best-scored channels."""
    if not 0 < keep_fraction <= 1:
        raise ValueError(f"keep fraction must be in (0, 1]; received {keep_fraction}")
    keep, total, removed = {}, 0, 0
    for g in groups:
        if not g.prunable:
            continue
        n = max(1, math.ceil(keep_fraction * g.channels))
        kept = sorted(int(i) for i in np.argsort(-scores[g.name], kind="stable")[:n])
        total += g.channels
        removed += g.channels - n
        for producer in g.producers:
            keep[producer] = kept
    return Plan(
        keep=keep,
        rate=1 - keep_fraction,
        pruned_fraction=removed / total,
        threshold=float("nan"),
        aggregate="uniform",
    )


def params_size(model):
    """A model's trainable-parameter count (the default size to match)."""
    return profile.count_params(model)[0]


def latency_size(latency_model):
    """A size function: a model's latency (ms) as ``latency_model`` predicts it."""
    return latency_model.predict


def _bisect(params_at, target, lo, hi, steps=14):
    """The x in [lo, hi] whose params_at(x) is closest to ``target``.

    ``params_at`` grows with x. Returns (x, size).
    """
    best = None
    for _ in range(steps):
        mid = (lo + hi) / 2
        n = params_at(mid)
        if best is None or abs(n - target) < abs(best[1] - target):
            best = (mid, n)
        if n == target:
            break
        lo, hi = (mid, hi) if n < target else (lo, mid)
    return best


def matched_prune(model, target, criterion, seed=0, size=params_size):
    """Prunes ``model`` by ``criterion`` down to about ``target``.

    ``target`` is in the unit of ``size`` (a function of a model: by default
    its params; ``latency_size(table)``: predicted ms). Returns (pruned
    model, plan). The per-group keep fraction is bisected; removed channels
    are dropped without folding (the baselines' recipe).
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {CRITERIA}; received {criterion!r}")
    groups = find_groups(model)
    scores = importance.score(
        "l1_norm" if criterion == "l1" else "random", model, groups, seed=seed
    )

    def count(fraction):
        return size(rebuild(model, uniform_plan(groups, scores, fraction), fold=False))

    fraction, _ = _bisect(count, target, 1e-3, 1.0)
    plan = uniform_plan(groups, scores, fraction)
    return rebuild(model, plan, fold=False), plan


def matched_width(arch, target, size=params_size, **build_kwargs):
    """The width scale whose ``models.build(arch, scale)`` has ~``target``
    (in the unit of ``size``, as ``matched_prune``).

    Returns (width_scale, size).
    """

    def count(scale):
        return size(models.build(arch, scale, **build_kwargs))

    return _bisect(count, target, 1e-3, 1.0)
