"""The benchmark of issues 13 and 28 on 2 CPU cores: SRNet on 64x64 photo tiles.

  python -m benchmarks.slimming --config=configs/bench_cpu.py --workdir=work/bench
  python -m benchmarks.slimming --config=configs/bench_cpu.py:tiny \
      --workdir=/tmp/bench_tiny --out=/tmp/bench_tiny  # for tests

One task per command (each within 3 hours; the second resumes the first's
stages and reports both):

  python -m benchmarks.slimming --config=configs/bench_cpu.py \
      --config.bench.tasks='("lsbm",)' --workdir=work/bench
  python -m benchmarks.slimming --config=configs/bench_cpu.py --workdir=work/bench

The photo cover set (scikit-image + Debian photographs, the wallpapers
downsampled to a short side of 1024 px, 64x64 tiles split by photo: 10 test
and 5 validation photos), LSB matching and HILL at 0.4 bpp.
Full SRNet (first layer started as high-pass filters: off the 50 % plateau
in ~100 iterations, benchmarks/srnet_learning) and XuNet are trained once
per task for baseline.steps and cached. Per seed (issue 28): group-lasso
proximal sparsity, latency-weighted (each channel's penalty is its marginal
LiteRT float32 ms under benchmarks/latency/table.json), then pruned to 30 %
and to 20 % of the full SRNet's predicted latency (lowest |gamma| first, the
latency model saying when to stop: the "/score" of the method) and
fine-tuned; "gprox_latency:1e-2" alone is the knapsack (cheapest score per
ms first), which drained the full-resolution layers; L1-norm and random
pruning to the same predicted latency, fine-tuned alike; a uniformly
thinner SRNet of that latency from scratch, as long as the full model.
Issue 13's recipe (MAC-weighted, 80 % of the channels by |gamma|,
baselines at its params):
--config.prune.select=rate --config.bench.methods='("gprox_cost:1e-2",)'
--config.bench.rates='(0.8,)' --config.bench.baseline_rates='(0.8,)'.
"""

import os

from benchmarks.harness.config import bench

TABLE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "benchmarks",
    "latency",
    "table.json",
)


def get_config(arg=None):
    """The benchmark; ``arg="tiny"`` (``--config=configs/bench_cpu.py:tiny``):
    its whole shape in a couple of minutes, for tests (``tiny``)."""
    if arg not in (None, "", "tiny"):
        raise ValueError(
            f"configs/bench_cpu.py takes no argument or 'tiny'; received {arg!r}"
        )
    # Why each value: benchmarks/harness/history.md (in the report too).
    c = bench()
    c.data.in_memory = True
    c.model.arch = "srnet"
    c.model.stem_init = "high_pass"
    c.bench.photo_side = 1024
    c.train.steps_per_epoch = 250
    c.baseline.steps = 2000
    c.baseline.decay_step = 1500
    c.sparsity.steps = 250
    c.sparsity.decay_step = 0
    c.prune.aggregate = "max"
    c.prune.min_channels = 4
    c.finetune.steps = 750
    c.finetune.lr = 1e-3
    c.finetune.decay_step = 500
    c.bench.baseline_budget = "own"
    c.latency.table = TABLE
    c.prune.select = "latency"
    c.bench.methods = ("gprox_latency:1e-2/score",)
    c.bench.rates = (0.7, 0.8)
    c.bench.baseline_rates = (0.7, 0.8)
    c.report.latency_size = 256
    c.report.latency_repeats = 10
    return tiny(c) if arg == "tiny" else c


def tiny(c):
    """SRNet at widths / 8 on 32x32 demo crops, 2 steps per stage, both
    tasks, two seeds: every row runs and the report is written (nothing is
    expected to learn)."""
    c.bench.source = "demo"
    c.data.demo.crop = 32
    c.data.demo.stride = 96
    c.data.demo.max_per_photo = 0
    c.data.pairs_per_replica = 4
    c.model.width_scale = 1 / 8
    c.train.steps_per_epoch = 2
    c.baseline.steps = 2
    c.baseline.decay_step = 1
    c.sparsity.steps = 2
    c.sparsity.decay_step = 0
    c.finetune.steps = 2
    c.finetune.decay_step = 0
    c.bench.seeds = (0, 1)
    c.bench.rates = (0.3,)  # of a predicted 8.9 ms; the floor is 5.9 ms
    c.bench.baseline_rates = (0.3,)
    c.prune.min_channels = 1
    c.report.latency_size = 32
    c.report.latency_repeats = 1
    return c
