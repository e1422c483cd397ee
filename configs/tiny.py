"""The demo shrunk for tests: SRNet at widths / 8 on 32x32 crops, 2 rounds.

  sasrnet_slim --config=configs/tiny.py --workdir=/tmp/tiny

configs/demo.py with every budget cut to 2 steps, SRNet instead of XuNet
and a fixed-rate, two-round schedule, so that every stage and the iterative
path run. Costs about half a minute on 2 CPU cores; it checks that
everything runs, not that anything learns.
"""

import importlib.util
import os


def get_config(arg=None):
    # Loaded by path (--config=configs/tiny.py), not as a package: so is demo.
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo.py")
    spec = importlib.util.spec_from_file_location("demo", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    c = demo.get_config(arg)
    c.data.demo.crop = 32
    c.data.demo.stride = 96  # about 600 crops
    c.data.demo.max_per_photo = 0
    c.data.pairs_per_replica = 4
    c.model.arch = "srnet"
    c.model.width_scale = 1 / 8
    c.train.steps_per_epoch = 2
    c.baseline.steps = 2
    c.baseline.decay_step = 0
    c.sparsity.steps = 2
    c.sparsity.decay_step = 0
    c.prune.select = "rate"
    c.prune.target = 0.5
    c.prune.rounds = 2
    c.tolerance = 1.0  # never stop early: both rounds always run
    c.finetune.steps = 2
    c.finetune.decay_step = 0
    c.report.latency_size = 32
    c.report.latency_repeats = 2
    return c
