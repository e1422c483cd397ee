"""The performance proof: slimming against the paper and simple baselines.

  python -m benchmarks.slimming --config=configs/bench_cpu.py --workdir=work/bench

Trains one shared SRNet (the config's baseline recipe), then per seed: the
full model trained on (no slimming); SASRNet one-shot and iterative at every
rate of --config.bench.rates, by |gamma| and FLOPs-aware; and, at the params
of each |gamma| row, L1-norm filter pruning, random channel pruning (both
fine-tuned alike) and a uniformly thinner SRNet trained from scratch for the
same total iterations. Every row is measured for test accuracy, P_E, params,
MACs, batch-1 Keras and LiteRT latency and .tflite size. With a GPU it also
times full-SRNet training (precision x XLA, mirrored). Writes
workdir/BENCHMARKS.md with figures/; rerunning the command resumes.
"""

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
flags.DEFINE_string("workdir", None, "Output folder (created; resumed if it exists).")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
    del argv
    command = " ".join(["python -m benchmarks.slimming", *sys.argv[1:]])
    bench.run_bench(FLAGS.config, FLAGS.workdir, command)


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
