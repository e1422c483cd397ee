"""The performance proof: sparsity methods against simple baselines, two tasks.

  python -m benchmarks.slimming --config=configs/bench_cpu.py --workdir=work/bench

Per task (LSB matching and HILL at --config.bench.payload): full SRNet and
XuNet, trained once and cached; then per seed, every sparsity method of
--config.bench.methods pruned at every rate and fine-tuned, and at its
params L1-norm filter pruning, random channel pruning (fine-tuned alike) and
a uniformly thinner SRNet from scratch. Every row is measured for test and
validation accuracy, params and MACs; the first seed's models for batch-1
Keras and LiteRT latency. Writes BENCHMARKS.md, summary.json, config.json and
figures/ to --out (default: benchmarks/, where the committed report lives);
rerunning the command resumes (see benchmarks.harness.benchmark).
"""

import os
import sys

from absl import flags
from ml_collections import config_flags

from benchmarks import harness as bench
from keras_sasrnet import cli

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file(
    "config",
    None,
    "Benchmark config file (configs/bench_cpu.py); override fields with "
    "--config.a.b=value.",
    lock_config=True,
)
flags.DEFINE_string(
    "workdir", None, "Work folder: stages, models (created; resumed if it exists)."
)
flags.DEFINE_string(
    "out",
    os.path.dirname(os.path.abspath(__file__)),
    "Where BENCHMARKS.md, summary.json, config.json and figures/ go.",
)
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
    del argv
    command = " ".join(["python -m benchmarks.slimming", *sys.argv[1:]])
    bench.run_bench(FLAGS.config, FLAGS.workdir, command, out=FLAGS.out)


if __name__ == "__main__":
    cli.start(main)
