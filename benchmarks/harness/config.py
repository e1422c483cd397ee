"""The benchmark's config: the library's ``base()`` plus a ``bench`` section,
and ``check``, which refuses an impossible ``bench`` value (the library's
rules skip that section)."""

from keras_sasrnet import slimming
from keras_sasrnet.slimming.budget import ORDERS
from keras_sasrnet.train.config import base

TASKS = {"lsbm": "lsbm", "hill": "hill"}  # task name -> conseal algorithm
BASELINES = ("l1", "random", "uniform")
BUDGETS = ("matched", "own")
SOURCES = ("photos", "demo")


def bench():
    """``base()`` plus the ``bench`` section (``python -m benchmarks.slimming``)."""
    c = base()
    c.bench = dict(
        # tuples, so that --config.bench.rates='(0.6,)' can override them
        tasks=("lsbm", "hill"),  # embedding algorithms, at `payload` bpp
        payload=0.4,
        source="photos",  # "photos" (data.photos) or "demo" (data.demo crops)
        photo_size=64,  # tile side of the photo source
        photo_stride=0,  # step between its tiles (0: the tile side)
        photo_side=512,  # wallpapers downsampled to this short side
        data_dir="",  # covers and stegos ("": ~/.cache/keras_sasrnet/bench)
        cache="",  # trained full models ("": ~/.cache/keras_sasrnet/bench)
        seeds=(0, 1, 2),
        methods=("gprox_cost:1e-2",),  # sparsity "method:alpha"
        rates=(0.8,),  # pruning rates of the sparsity rows
        baseline_rates=(0.8,),  # rates that get the baselines
        baselines=("l1", "random", "uniform"),
        # iterations of the baselines: "matched" - as many as the sparsity
        # rows (l1/random fine-tune sparsity + finetune steps, uniform trains
        # baseline + sparsity + finetune from scratch); "own" - their usual
        # recipes (l1/random fine-tune finetune.steps, as Li et al.; uniform
        # trains baseline.steps, as long as the full model: "Scratch-E")
        baseline_budget="matched",
        litert=True,  # LiteRT float latency and size of the first seed's models
        int8=True,  # every pruned row's int8 (float stem) LiteRT test accuracy
    )
    # One round (sparsity, prune, fine-tune): the fine-tune only recovers
    # accuracy. With the penalty kept on, the MAC-weighted group lasso went on
    # shrinking what pruning left of the residual stream and zeroed it.
    c.finetune.sparsity = False
    return c


def parse_method(text):
    """ "gprox_cost:1e-2" -> ("gprox_cost", 0.01), checked.

    A suffix "/per_ms" or "/score" (``slimming.budget.ORDERS``) picks the
    order of a latency-budget plan for that row (``prune.latency_order``);
    rows that differ only in it share their sparsity stage."""
    spec, slash, order = text.partition("/")
    if slash and order not in ORDERS:
        raise ValueError(
            f"bench.methods: {text!r} ends in /{order}: the plan order must be "
            f"one of {ORDERS}"
        )
    name, sep, alpha = spec.partition(":")
    if not sep or name not in slimming.sparsity.METHODS:
        raise ValueError(
            f"bench.methods: {text!r} is not 'method:alpha' with a method of "
            f"{sorted(slimming.sparsity.METHODS)}"
        )
    try:
        value = float(alpha)
    except ValueError:
        raise ValueError(f"bench.methods: alpha of {text!r} is not a number") from None
    if not value > 0:
        raise ValueError(f"bench.methods: alpha of {text!r} must be > 0")
    return name, value


def check(c):
    """Raises ValueError naming the first impossible ``bench`` value."""
    b = c.bench
    if not b.seeds or len(set(b.seeds)) != len(b.seeds):
        raise ValueError(f"bench.seeds must be distinct and non-empty; got {b.seeds}")
    if not b.tasks or any(t not in TASKS for t in b.tasks):
        raise ValueError(f"bench.tasks must be some of {sorted(TASKS)}; got {b.tasks}")
    if b.source not in SOURCES:
        raise ValueError(f"bench.source must be one of {SOURCES}; got {b.source!r}")
    if not b.methods:
        raise ValueError("bench.methods is empty: give at least one 'method:alpha'")
    for text in b.methods:
        parse_method(text)
    for rate in (*b.rates, *b.baseline_rates):
        slimming.check_rate(rate)
        if rate == 0:
            raise ValueError("bench rates must be > 0 (rate 0 is the full row)")
    for rate in b.baseline_rates:
        if rate not in b.rates:
            raise ValueError(f"bench.baseline_rates: {rate} is not in bench.rates")
    for item in b.baselines:
        if item not in BASELINES:
            raise ValueError(f"bench.baselines: {item!r} is not one of {BASELINES}")
    if b.baseline_budget not in BUDGETS:
        raise ValueError(
            f"bench.baseline_budget must be one of {BUDGETS}; got {b.baseline_budget!r}"
        )
    if b.photo_side < b.photo_size:
        raise ValueError(
            f"bench.photo_side ({b.photo_side}) must be at least the tile side "
            f"bench.photo_size ({b.photo_size})"
        )
    if not 0 < b.payload <= 1:
        raise ValueError(f"bench.payload must be in (0, 1] bpp; got {b.payload}")
    return c
