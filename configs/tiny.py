"""A tiny end-to-end schedule for tests: SRNet at widths / 8 on 32x32 crops.

  sasrnet_slim --config=configs/tiny.py --workdir=/tmp/tiny

Costs about half a minute on 2 CPU cores (2 steps per stage, 2 rounds); it
checks that everything runs, not that anything learns.
"""

from keras_sasrnet.train.config import base


def get_config(arg=None):
    del arg
    c = base()
    c.data.demo = True
    c.data.demo_crop = 32
    c.data.demo_stride = 96  # about 600 crops
    c.data.pairs_per_replica = 4
    c.model.width_scale = 1 / 8
    c.train.steps_per_epoch = 2
    c.baseline.steps = 2
    c.baseline.decay_step = 0
    c.sparsity.steps = 2
    c.prune.target = 0.5
    c.prune.rounds = 2
    c.prune.tolerance = 1.0  # never stop early: both rounds always run
    c.finetune.steps = 2
    c.report.latency_size = 32
    c.report.latency_repeats = 2
    return c
