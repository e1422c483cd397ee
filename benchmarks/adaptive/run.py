"""Sparsity strength chosen from the data (issue 29): one config, four tasks.

  python -m benchmarks.adaptive.run --workdir=work/adaptive \
      --data_dir=work/bench/data

The demo's schedule (XuNet; configs/demo.py, whose sparsity phase is the
guard: ``sparsity.adaptive``) with no per-task change but the data: the
demo crops (LSB matching 1.0) and the benchmark's photo tiles (64x64, split
by photo) at LSB matching 0.4, LSB matching 1.0 and HILL 0.4, --seeds each,
once per way of choosing the strength (--searches: the sweep, each rung
from the baseline, the config's own; with sweep,ladder also the ladder,
each rung from the last accepted).
Per run: the baseline's and the slimmed model's validation and test
accuracy, the fraction of channels removed, the guard's path. Writes
rows.json (one row per search, task and seed) and README.md generated from them to
--out; each run is a resumable ``sasrnet_slim`` work folder under
--workdir (rerunning resumes; --report_only rewrites the README).
"""

import os

from absl import flags

from benchmarks import study
from benchmarks.adaptive.report import readme
from keras_sasrnet import atomic, cli
from keras_sasrnet.data import embed, photos
from keras_sasrnet.train import pipeline
from keras_sasrnet.train.config import validate

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TASKS = {  # name -> (source, algorithm, payload)
    "demo": ("demo", "lsbm", 1.0),
    "photos_lsbm_0.4": ("photos", "lsbm", 0.4),
    "photos_lsbm_1.0": ("photos", "lsbm", 1.0),
    "photos_hill_0.4": ("photos", "hill", 0.4),
}

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", "work/adaptive", "Folder of the runs (resumed).")
flags.DEFINE_string(
    "data_dir", "work/adaptive/data", "Folder of the photo covers and stegos."
)
flags.DEFINE_string("out", HERE, "Folder of rows.json and README.md.")
flags.DEFINE_list("tasks", list(TASKS), f"Tasks, of {list(TASKS)}.")
flags.DEFINE_list("seeds", ["0", "1"], "Seeds (each task runs once per seed).")
flags.DEFINE_list(
    "searches",
    ["sweep"],
    "sparsity.search values to compare (the config's own first; "
    "sweep,ladder: both): each task and seed runs once per search, in "
    "WORKDIR/<search>/<task>/seed_K.",
)
flags.DEFINE_string("config", os.path.join(ROOT, "configs", "demo.py"), "Config.")
flags.DEFINE_bool("report_only", False, "Rewrite README.md from rows.json only.")


def load_config(path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("adaptive_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config()


def task_config(base, task, data_dir, seed, search=None):
    """The config of one run: ``base`` with only the data, the seed and (if
    given) ``sparsity.search`` changed."""
    source, algorithm, payload = TASKS[task]
    c = base.copy_and_resolve_references()
    c.seed = seed
    c.sparsity.search = search or c.sparsity.search
    if source == "demo":
        c.data.demo.algorithm, c.data.demo.payload = algorithm, payload
        return validate(c)
    covers = os.path.join(data_dir, "photos64_side1024")
    photos.photo_covers(covers, size=64, side=1024, split=(None, 5, 10))
    stegos = f"{covers}_{algorithm}_{payload:g}"
    embed.embed_dataset(covers, stegos, algorithm, payload, seed=0)
    c.data.demo.use = False
    c.data.covers, c.data.stegos = covers, stegos
    c.data.in_memory = True
    return validate(c)


def row(task, seed, table, tolerance, search="ladder"):
    """One row of rows.json from a run's Table 5 rows."""
    base, sparse, last = table[0], table[1], table[-1]
    return {
        "task": task,
        "seed": seed,
        "search": search,
        "val_baseline": base["val_accuracy"],
        "val_slim": last["val_accuracy"],
        "test_baseline": base["test_accuracy"],
        "test_slim": last["test_accuracy"],
        "removed_fraction": last["rate"],
        "val_sparse": sparse["val_accuracy"],
        "zero_fraction": sparse.get("zero_fraction"),
        "params_share": last["params"] / base["params"],
        "macs_share": last["macs"] / base["macs"],
        "guard": sparse.get("guard", []),
        "tolerance": tolerance,
    }


def _order(r):
    search = r.get("search", "ladder")
    return (
        FLAGS.searches.index(search) if search in FLAGS.searches else 99,
        list(TASKS).index(r["task"]),
        r["seed"],
    )


def main(argv):
    del argv
    base = load_config(FLAGS.config)
    if not FLAGS.report_only:
        for task in FLAGS.tasks:
            if task not in TASKS:
                raise ValueError(f"--tasks: {task!r} is not one of {list(TASKS)}")
        for search, task, seed in (
            (search, task, int(seed))
            for search in FLAGS.searches
            for task in FLAGS.tasks
            for seed in FLAGS.seeds
        ):
            c = task_config(base, task, FLAGS.data_dir, seed, search)
            work = os.path.join(FLAGS.workdir, search, task, f"seed_{seed}")
            print(f"=== {search}: {task}, seed {seed}")
            table = pipeline.run_slimming(c, work)
            rows = study.merge(
                FLAGS.out,
                [row(task, seed, table, c.tolerance, search)],
                lambda r: (r.get("search", "ladder"), r["task"], r["seed"]),
            )
            rows.sort(key=_order)
            atomic.write_json(os.path.join(FLAGS.out, study.ROWS), rows)
    print(study.publish(FLAGS.out, readme))


if __name__ == "__main__":
    cli.start(main)
