"""The benchmark's whole shape in about two minutes, for tests.

  python -m benchmarks.slimming --config=configs/bench_tiny.py --workdir=/tmp/bench_tiny

SRNet at widths / 8 on 32x32 crops, 2 steps per stage: checks that every row
runs and the report is written, not that anything learns.
"""

import importlib.util
import os


def get_config(arg=None):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_cpu.py")
    spec = importlib.util.spec_from_file_location("bench_cpu", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    c = module.get_config(arg)
    c.data.demo.crop = 32
    c.data.demo.stride = 96
    c.data.demo.max_per_photo = 0
    c.data.pairs_per_replica = 4
    c.model.width_scale = 1 / 8
    c.train.steps_per_epoch = 2
    c.baseline.steps = 2
    c.sparsity.steps = 2
    c.finetune.steps = 2
    c.bench.rates = (0.5,)
    c.bench.uniform_rates = ()
    c.report.latency_size = 32
    c.report.latency_repeats = 1
    return c
