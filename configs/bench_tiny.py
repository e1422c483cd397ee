"""The benchmark's whole shape in a couple of minutes, for tests.

  python -m benchmarks.slimming --config=configs/bench_tiny.py --workdir=/tmp/bench_tiny

SRNet at widths / 8 on 32x32 demo crops, 2 steps per stage, both tasks, two
seeds: checks that every row runs and the report is written, not that
anything learns.
"""

import importlib.util
import os


def get_config(arg=None):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_cpu.py")
    spec = importlib.util.spec_from_file_location("bench_cpu", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    c = module.get_config(arg)
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
