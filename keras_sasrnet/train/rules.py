"""A rule for every config field: the values it takes, checked before any work.

``RULES`` names each leaf field of ``config.base()`` (dotted: "prune.target")
and what it accepts: ``Number`` (a range, integers only or not, None or
not), ``Choice`` (a closed set), ``Flag`` (a bool) or ``Text`` (a path or a
name, checked where it is used). ``check`` walks *every* leaf of a config:
a value outside its rule is refused with one line naming the field, and a
field without a rule is refused too, so a field added to the config cannot
go unchecked. Sections a project adds (``bench``) are checked by that
project and named in ``check(..., skip=...)``.
"""

import dataclasses
import math

import ml_collections

from keras_sasrnet import models, precision
from keras_sasrnet.data import embed
from keras_sasrnet.models.srnet import STEM_INITS
from keras_sasrnet.slimming import budget, importance, sparsity
from keras_sasrnet.slimming.plan import SELECTIONS
from keras_sasrnet.slimming.schedule import SCHEDULES
from keras_sasrnet.train.distribute import STRATEGIES


@dataclasses.dataclass(frozen=True)
class Number:
    """A number in [lo, hi] (``open_lo``/``open_hi``: the end excluded)."""

    lo: float = -math.inf
    hi: float = math.inf
    open_lo: bool = False
    open_hi: bool = False
    integer: bool = False
    none: bool = False  # None allowed (a default decided elsewhere)

    def problem(self, value):
        if value is None:
            return None if self.none else "must be a number, not None"
        kind = int if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind):
            return f"must be {'an integer' if self.integer else 'a number'}"
        low = value > self.lo if self.open_lo else value >= self.lo
        high = value < self.hi if self.open_hi else value <= self.hi
        if low and high and not math.isnan(value):
            return None
        if self.hi == math.inf:
            return f"must be {'>' if self.open_lo else '>='} {self.lo:g}"
        left, right = "(" if self.open_lo else "[", ")" if self.open_hi else "]"
        return f"must be in {left}{self.lo:g}, {self.hi:g}{right}"

    def bad_values(self):
        """Values of the right type that break the rule (for tests)."""
        out = []
        if self.lo > -math.inf:
            out.append(self.lo if self.open_lo else self.lo - 1)
        if self.hi < math.inf:
            out.append(self.hi if self.open_hi else self.hi + 1)
        return [int(v) if self.integer else float(v) for v in out]


@dataclasses.dataclass(frozen=True)
class Choice:
    """One of ``values``."""

    values: tuple

    def problem(self, value):
        return None if value in self.values else f"must be one of {self.values}"

    def bad_values(self):
        return ["bogus"]


@dataclasses.dataclass(frozen=True)
class Flag:
    """True or False (or None with ``none``)."""

    none: bool = False

    def problem(self, value):
        if isinstance(value, bool) or (self.none and value is None):
            return None
        return "must be True or False"

    def bad_values(self):
        return []  # the config's own type check refuses anything else


@dataclasses.dataclass(frozen=True)
class Text:
    """A string: a path or a name, checked where it is used."""

    def problem(self, value):
        return None if isinstance(value, str) else "must be a string"

    def bad_values(self):
        return []


STEPS = Number(lo=0, integer=True)
RATE = Number(lo=0, hi=1, open_hi=True)
LR = Number(lo=0, open_lo=True)

RULES = {
    "seed": Number(lo=0, integer=True),
    "precision": Choice(precision.MODES),
    "tolerance": Number(lo=0, hi=1),
    "data.covers": Text(),
    "data.stegos": Text(),
    "data.demo.use": Flag(),
    "data.demo.dir": Text(),
    "data.demo.crop": Number(lo=16, integer=True),
    "data.demo.stride": Number(lo=0, integer=True),
    "data.demo.val_stride": Number(lo=0, integer=True),
    "data.demo.max_per_photo": Number(lo=0, integer=True),
    "data.demo.algorithm": Choice(tuple(sorted(embed.SPATIAL))),
    "data.demo.payload": Number(lo=0, hi=1, open_lo=True),
    "data.pairs_per_replica": Number(lo=1, integer=True),
    "data.in_memory": Flag(none=True),
    "data.strict_pairs": Flag(),
    "model.arch": Choice(tuple(sorted(models.ARCHITECTURES))),
    "model.width_scale": Number(lo=0, open_lo=True),
    "model.weight_decay": Number(lo=0),
    "model.sync_bn": Flag(),
    "model.stem_init": Choice(tuple(sorted(STEM_INITS))),  # SRNet's, optional
    "train.steps_per_epoch": Number(lo=1, integer=True),
    "train.lr": LR,
    "train.decay": Number(lo=0, hi=1, open_lo=True),
    "baseline.model": Text(),
    "baseline.steps": STEPS,
    "baseline.decay_step": STEPS,
    "sparsity.method": Choice(tuple(sorted(sparsity.METHODS))),
    "sparsity.alpha": Number(lo=0),
    "sparsity.gamma_init": Number(lo=0, open_lo=True, none=True),
    "sparsity.steps": STEPS,
    "sparsity.decay_step": STEPS,
    "sparsity.lr": Number(lo=0, open_lo=True, none=True),
    "sparsity.momentum": Number(lo=0, hi=1, open_hi=True),
    "sparsity.adaptive": Flag(),
    "sparsity.rungs": Number(lo=1, integer=True),
    "sparsity.factor": Number(lo=1, open_lo=True),
    "sparsity.search": Choice(("ladder", "sweep")),  # train/guard.py
    "sparsity.reference": Choice(("best", "level")),  # train/guard.py
    "sparsity.probe_steps": Number(lo=0, integer=True),
    "prune.target": RATE,
    "prune.rounds": Number(lo=1, integer=True),
    "prune.schedule": Choice(SCHEDULES),
    "prune.aggregate": Choice(tuple(sorted(importance.AGGREGATES))),
    "prune.min_channels": Number(lo=1, integer=True),
    "prune.min_fraction": Number(lo=0, hi=1, open_hi=True),
    "prune.latency_order": Choice(budget.ORDERS),
    "prune.round_to": Number(lo=1, integer=True),
    "prune.importance": Choice(tuple(sorted(importance.SCORERS))),
    "prune.select": Choice((*SELECTIONS, "latency")),
    "prune.zero_threshold": Number(lo=0),
    "prune.fold": Flag(),
    "latency.table": Text(),
    "finetune.steps": STEPS,
    "finetune.lr": LR,
    "finetune.decay_step": STEPS,
    "finetune.sparsity": Flag(),
    "finetune.start_competes": Flag(),
    "distribute.strategy": Choice(STRATEGIES),
    "distribute.logical_cpus": Number(lo=0, integer=True),
    "report.latency_size": Number(lo=16, integer=True),
    "report.latency_repeats": Number(lo=1, integer=True),
}


def leaves(c, prefix=""):
    """[(dotted name, value)] of every leaf field of a ConfigDict."""
    out = []
    for key in sorted(c.keys()):
        value = c[key]
        if isinstance(value, ml_collections.ConfigDict):
            out += leaves(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def check(c, skip=("bench",)):
    """Raises ValueError naming the first field whose value breaks its rule,
    or that has no rule (sections in ``skip`` are checked elsewhere)."""
    for name, value in leaves(c):
        if name.split(".")[0] in skip:
            continue
        rule = RULES.get(name)
        if rule is None:
            raise ValueError(
                f"{name}: not a field of this config (fields: see "
                "keras_sasrnet/train/config.py)"
            )
        problem = rule.problem(value)
        if problem:
            raise ValueError(f"{name} {problem}; received {value!r}")
    return c
