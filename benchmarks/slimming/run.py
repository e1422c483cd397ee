"""The performance proof: sparsity methods against simple baselines, two tasks.

  python -m benchmarks.slimming --config=configs/bench_cpu.py --workdir=work/bench

Per task (LSB matching and HILL at --config.bench.payload): full SRNet and
XuNet, trained once and cached; then per seed, every sparsity method of
--config.bench.methods pruned at every rate and fine-tuned, and at its
params L1-norm filter pruning, random channel pruning (fine-tuned alike) and
a uniformly thinner SRNet from scratch. Every row is measured for test and
validation accuracy, params and MACs; the first seed's models for batch-1
Keras and LiteRT latency. Writes rows.json and, made from it, README.md,
config.json and figures/ to --out (default: benchmarks/slimming/, where the
committed report lives) and summary.json to --summary; rerunning the
command resumes (see benchmarks.harness.benchmark), --report_only remakes
the report from rows.json.
"""

import os
import sys

from absl import flags
from ml_collections import config_flags

from benchmarks import harness as bench
from benchmarks.harness import bench_report
from keras_sasrnet import cli

HERE = os.path.dirname(os.path.abspath(__file__))
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
    "out", HERE, "Where rows.json, README.md, config.json and figures/ go."
)
flags.DEFINE_string(
    "summary",
    None,
    "Where summary.json goes (default: benchmarks/summary.json for the "
    "committed report in benchmarks/slimming/, --out/summary.json otherwise).",
)
flags.DEFINE_bool("report_only", False, "Remake the report from --out/rows.json.")


def summary_path(out, summary=None):
    """--summary, or its default for --out."""
    if summary:
        return summary
    if os.path.abspath(out) == HERE:  # the name issue 28's checks read
        return os.path.join(os.path.dirname(HERE), "summary.json")
    return os.path.join(out, "summary.json")


def main(argv):
    del argv
    summary = summary_path(FLAGS.out, FLAGS.summary)
    if FLAGS.report_only:
        print(bench_report.publish(FLAGS.out, summary))
        return
    if not (FLAGS.config and FLAGS.workdir):
        raise flags.IllegalFlagValueError("--config and --workdir are required")
    command = " ".join(["python -m benchmarks.slimming", *sys.argv[1:]])
    bench.run_bench(
        FLAGS.config, FLAGS.workdir, command, out=FLAGS.out, summary_path=summary
    )


if __name__ == "__main__":
    cli.start(main)
