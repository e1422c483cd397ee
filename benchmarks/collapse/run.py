"""Does a collapsed 80 %-pruned SRNet recover when fine-tuned without sparsity?

  python -m benchmarks.collapse.run --workdir=/tmp/collapse --steps=500 \
      --pruned=WORK/lsbm/seed_1/gprox_cost_1e-2_0.8/pruned.keras

The benchmark's fine-tuning keeps the sparsity penalty (the pruned model
carries it). This fine-tunes the same pruned model with the penalty removed
(slimming.without_sparsity), at a constant --lr, on the benchmark's LSBM
task and seed, and adds to rows.json: per validation, train and validation
accuracy (rows of other learning rates are kept).
"""

import json
import os

from absl import app, flags

from benchmarks.harness import runner
from configs import bench_cpu
from keras_sasrnet import atomic, models, slimming
from keras_sasrnet.train import run

flags.DEFINE_string("pruned", None, "pruned.keras of a benchmark row")
flags.DEFINE_string("workdir", None, "work folder")
flags.DEFINE_string("data_dir", "/work/cache", "the benchmark's bench.data_dir")
flags.DEFINE_integer("seed", 1, "the row's seed (data order)")
flags.DEFINE_integer("steps", 500, "fine-tuning iterations")
flags.DEFINE_float("lr", 1e-3, "fine-tuning learning rate (constant)")
flags.DEFINE_bool("report_only", False, "only rewrite README.md's table from rows.json")
FLAGS = flags.FLAGS


HERE = os.path.dirname(os.path.abspath(__file__))
MARK = "<!-- table from rows.json -->"


def write_table(rows):
    """Replaces the README's table (between two marks) with ``rows``'."""
    lines = ["| lr | iteration | train accuracy | validation accuracy |"]
    lines.append("|---|---|---|---|")
    for row in rows:
        lines.append(
            f"| {row['lr']:g} | {row['iteration']} | {100 * row['accuracy']:.2f} % "
            f"| {100 * row['val_accuracy']:.2f} % |"
        )
    path = os.path.join(HERE, "README.md")
    with open(path) as f:
        head, _, rest = f.read().partition(MARK)
        _, _, tail = rest.partition(MARK)
    table = "\n".join(lines)
    atomic.write_text(path, f"{head}{MARK}\n{table}\n{MARK}{tail}")


def main(argv):
    del argv
    path = os.path.join(HERE, "rows.json")
    if FLAGS.report_only:
        with open(path) as f:
            write_table(json.load(f))
        return
    if not (FLAGS.pruned and FLAGS.workdir):
        raise app.UsageError("--pruned and --workdir are required")
    c = bench_cpu.get_config()
    c.bench.data_dir = FLAGS.data_dir
    t = runner.task_config(c, "lsbm", runner.covers(c), print)
    t.seed = FLAGS.seed
    r = run.Run(t, FLAGS.workdir, print)

    def build():
        return slimming.without_sparsity(models.load(FLAGS.pruned))

    folder = os.path.join(FLAGS.workdir, f"no_sparsity_lr{FLAGS.lr:g}")
    run.train_stage(r, build, FLAGS.steps, FLAGS.lr, 0, folder, "model.keras")
    with open(os.path.join(folder, "train", "state.json")) as f:
        history = json.load(f)["history"]
    rows = [
        {
            "lr": FLAGS.lr,
            "iteration": h["epoch"] * r.steps_per_epoch,
            "accuracy": h["accuracy"],
            "val_accuracy": h["val_accuracy"],
        }
        for h in history
    ]
    old = []
    if os.path.exists(path):
        with open(path) as f:
            old = [row for row in json.load(f) if row.get("lr", 1e-3) != FLAGS.lr]
    atomic.write_json(path, old + rows)
    write_table(old + rows)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    app.run(main)
