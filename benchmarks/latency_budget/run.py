"""Collects the rows a running (or stopped) latency-budget benchmark has
finished, before its own report exists (issue 28).

  python -m benchmarks.latency_budget.run --workdir=WORK --cache=CACHE --task=lsbm

Reads each finished stage's done.json under WORK/TASK/seed_K (and the int8
stage beside it) and the full models' under CACHE; writes rows.json and
README.md (generated from the rows) here. The benchmark itself:
``python -m benchmarks.slimming --config=configs/bench_cpu.py ...``.
"""

import glob
import json
import os

from absl import flags

from benchmarks import study
from benchmarks.latency_budget.report import readme
from keras_sasrnet import cli

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "The benchmark's --workdir.")
flags.DEFINE_string("cache", None, "The benchmark's --config.bench.cache.")
flags.DEFINE_string("task", "lsbm", "The task to collect.")
flags.DEFINE_bool("report_only", False, "Remake README.md from rows.json only.")


def _load(path):
    with open(path) as f:
        return json.load(f)


def collect(workdir, cache, task):
    """Rows: the full models, then every finished (seed, row) with int8."""
    rows = []
    for done in sorted(glob.glob(os.path.join(cache, "*", "full", "done.json"))):
        stegos = _load(os.path.join(os.path.dirname(done), "config.json"))["data"]
        if f"_{task}_" not in os.path.basename(stegos["stegos"]):
            continue  # another task's full model
        d = _load(done)
        name = "full" if d["arch"] == "srnet" else d["arch"]
        rows.append({"task": task, "method": name, "test": d["test_accuracy"]})
    for seed_dir in sorted(glob.glob(os.path.join(workdir, task, "seed_*"))):
        seed = int(seed_dir.rsplit("_", 1)[1])
        for done in sorted(glob.glob(os.path.join(seed_dir, "*", "done.json"))):
            stage = os.path.basename(os.path.dirname(done))
            int8 = os.path.join(seed_dir, f"int8_{stage}", "done.json")
            d = _load(done)
            if "rate" not in d or not os.path.exists(int8):
                continue  # the sparsity stages, int8 stages, unfinished rows
            rows.append(
                {
                    "task": task,
                    "seed": seed,
                    "method": d["stage"],
                    "budget": round(1 - d["rate"], 4),
                    "test": d["test_accuracy"],
                    "int8_test": _load(int8)["int8_test_accuracy"],
                    "predicted_ms": d.get("predicted_ms"),
                }
            )
    return rows


def main(argv):
    del argv
    if not FLAGS.report_only:
        if not FLAGS.workdir or not FLAGS.cache:
            raise ValueError("--workdir and --cache are required unless --report_only")
        rows = collect(FLAGS.workdir, FLAGS.cache, FLAGS.task)
        key = lambda r: (r["task"], r["method"], r.get("seed"), r.get("budget"))  # noqa: E731
        study.merge(HERE, rows, key)
    print(study.publish(HERE, readme))


if __name__ == "__main__":
    cli.start(main)
