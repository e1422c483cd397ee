"""Does a collapsed 80 %-pruned SRNet recover when fine-tuned without sparsity?

  python -m benchmarks.collapse.run --workdir=/tmp/collapse --steps=500 \
      --pruned=WORK/lsbm/seed_1/gprox_cost_1e-2_0.8/pruned.keras

  python -m benchmarks.collapse.run --workdir=/tmp/collapse --steps=500 \
      --sparse=WORK/lsbm/seed_1/sparse_gprox_cost_1e-2/model.keras --min_channels=4

  python -m benchmarks.collapse.run --workdir=/tmp/collapse --steps=250 \
      --task=hill --seed=2 --keep_penalty --min_channels=4 \
      --pruned=WORK/hill/seed_2/gprox_cost_1e-2_0.8/pruned.keras

The benchmark's fine-tuning kept the sparsity penalty (the pruned model
carries it) until it was found to zero a thin residual stream. This
fine-tunes a pruned model with the penalty removed
(slimming.without_sparsity), or kept (--keep_penalty), at a constant --lr,
on the benchmark's --task and --seed, and adds to rows.json: per
validation, train and validation accuracy (rows of other tasks, seeds,
learning rates, floors and penalties are kept). With --sparse, the sparse
model is pruned here instead, as the benchmark prunes it but with every
channel group keeping at least --min_channels channels.
"""

import json
import os

from absl import app, flags

from benchmarks import study
from benchmarks.collapse.report import _keyed, readme
from benchmarks.harness import benchmark
from configs import bench_cpu
from keras_sasrnet import atomic, cli, models, profile, slimming
from keras_sasrnet.train import run, stages

flags.DEFINE_string("pruned", None, "pruned.keras of a benchmark row")
flags.DEFINE_string("sparse", None, "a sparsity stage's model.keras (not --pruned)")
flags.DEFINE_integer(
    "min_channels",
    1,
    "with --sparse: fewest channels a group keeps; with --pruned: the floor "
    "the model was pruned with (recorded in its rows)",
)
flags.DEFINE_string("workdir", None, "work folder")
flags.DEFINE_string("data_dir", "/work/cache", "the benchmark's bench.data_dir")
flags.DEFINE_enum("task", "lsbm", sorted(benchmark.TASKS), "the row's task")
flags.DEFINE_integer("seed", 1, "the row's seed (data order)")
flags.DEFINE_bool("keep_penalty", False, "fine-tune with the sparsity penalty kept")
flags.DEFINE_integer("steps", 500, "fine-tuning iterations")
flags.DEFINE_float("lr", 1e-3, "fine-tuning learning rate (constant)")
flags.DEFINE_bool("report_only", False, "Remake README.md from rows.json only.")
FLAGS = flags.FLAGS


HERE = os.path.dirname(os.path.abspath(__file__))


def _key(row):
    row = _keyed(row)
    return row["task"], row["seed"], row["penalty"], row["lr"], row["min_channels"]


def main(argv):
    del argv
    path = os.path.join(HERE, "rows.json")
    if FLAGS.report_only:
        print(study.publish(HERE, readme))
        return
    if not (bool(FLAGS.pruned) ^ bool(FLAGS.sparse)) or not FLAGS.workdir:
        raise app.UsageError("--workdir and one of --pruned, --sparse are required")
    c = bench_cpu.get_config()
    c.bench.data_dir = FLAGS.data_dir
    t = benchmark.task_config(c, FLAGS.task, benchmark.covers(c), print)
    t.seed = FLAGS.seed
    r = run.Run(t, FLAGS.workdir, print)

    floor = FLAGS.min_channels
    if FLAGS.sparse:
        t.prune.min_channels = floor
        pruned, _ = stages.slim_as_configured(
            models.load(FLAGS.sparse), t.bench.rates[0], t, r.size
        )
    else:
        pruned = models.load(FLAGS.pruned)
    params = profile.count_params(pruned)[0]

    def build():
        return pruned if FLAGS.keep_penalty else slimming.without_sparsity(pruned)

    penalty = "sparsity" if FLAGS.keep_penalty else "no_sparsity"
    folder = os.path.join(
        FLAGS.workdir,
        f"{FLAGS.task}_seed{FLAGS.seed}_{penalty}_lr{FLAGS.lr:g}_floor{floor}",
    )
    run.train_stage(r, build, FLAGS.steps, FLAGS.lr, 0, folder, "model.keras")
    with open(os.path.join(folder, "train", "state.json")) as f:
        history = json.load(f)["history"]
    rows = [
        {
            "task": FLAGS.task,
            "seed": FLAGS.seed,
            "penalty": FLAGS.keep_penalty,
            "min_channels": floor,
            "params": params,
            "lr": FLAGS.lr,
            "iteration": h["epoch"] * r.steps_per_epoch,
            "accuracy": h["accuracy"],
            "val_accuracy": h["val_accuracy"],
        }
        for h in history
    ]
    old = [row for row in study.load(HERE) if _key(row) != _key(rows[0])]
    atomic.write_json(path, old + rows)
    study.publish(HERE, readme)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    cli.start(main)
