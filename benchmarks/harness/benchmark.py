"""The performance proof: sparsity methods and baselines on two tasks.

Per task of ``bench.tasks`` (``lsbm``, ``hill``; payload ``bench.payload``),
on the photo cover set (``bench.source="photos"``: scikit-image + Debian
photographs, tiles split by photo) or the demo crops (``"demo"``, for tests):

  srnet, xunet       the full models, trained once for baseline.steps and
                     cached under a fingerprint of what shapes them
                     (``bench.cache``); every seed and row starts from them
  per seed K:
  <method>_<rate>    the sparsity method (``bench.methods``: "name:alpha")
                     for sparsity.steps from the full SRNet, pruned at rate,
                     fine-tuned finetune.steps
  l1_/random_<rate>  at the params of the first method's row, or with
                     prune.select="latency" at its latency budget (rates of
                     ``bench.baseline_rates``): pruned from the full SRNet by
                     filter L1 norm or at random, fine-tuned for sparsity +
                     finetune steps (the sparsity rows' budget) or, with
                     ``bench.baseline_budget="own"``, finetune steps
  uniform_<rate>     a uniformly thinner SRNet with those params, trained
                     from scratch for baseline + sparsity + finetune steps
                     (``"own"``: baseline steps, as long as the full model)
  costs              batch-1 Keras and LiteRT float32 and int8 latency of the
                     first seed's models at report.latency_size, all timed in
                     turns after all the training (so it can be rerun on a
                     quiet machine)

Layout: workdir/config.json, workdir/<task>/{stegos, full/, seed_K/<stage>/,
costs/}; the rows (rows.json) and the report made from them
(README.md, summary.json, figures/) go to --out. Every stage is
resumable (done.json); rerunning the command resumes.
"""

import json
import os

import numpy as np

from benchmarks.harness import bench_report
from benchmarks.harness.config import (
    BASELINES,
    BUDGETS,
    SOURCES,
    TASKS,
    check,
    parse_method,  # noqa: F401 (its old home)
)
from benchmarks.harness.costs import costs
from benchmarks.harness.seeds import MODEL, run_seed, stage_folder, stage_folders
from benchmarks.harness.tasks import covers, full_model, task_config
from keras_sasrnet import atomic
from keras_sasrnet.data import demo, pairs
from keras_sasrnet.data.manifest import Manifest
from keras_sasrnet.train import run
from keras_sasrnet.train.config import validate

__all__ = [
    "BASELINES",
    "BUDGETS",
    "SOURCES",
    "TASKS",
    "check",
    "costs",
    "covers",
    "per_photo",
    "run_bench",
    "run_task",
    "stage_folder",
    "task_config",
]


def per_photo(covers_dir, stegos_dir, folders):
    """{key: {photo: test accuracy}} from each folder's test_scores.npz.

    The test scores are in pair order, a cover then its stego; a file's
    photo is its manifest group (the photo set) or its demo photo name.
    """
    groups = {f["name"]: f.get("group") for f in Manifest.load(covers_dir).files}
    paths = pairs.match_pairs(covers_dir, stegos_dir, "test", log=lambda *_: None)[0]
    names = [os.path.basename(p) for p in paths]
    photos_ = np.repeat([groups[n] or demo.photo_of(n) for n in names], 2)
    out = {}
    for key, folder in folders.items():
        with np.load(os.path.join(folder, "test_scores.npz")) as saved:
            labels, scores = saved["labels"], saved["scores"]
        if len(labels) != len(photos_):
            raise ValueError(
                f"{folder}/test_scores.npz has {len(labels)} scores; the test "
                f"split of {covers_dir} has {len(photos_)} images"
            )
        right = (scores > 0.5) == (labels == 1)
        out[key] = {
            str(p): float(right[photos_ == p].mean()) for p in np.unique(photos_)
        }
    return out


def run_task(c, task, cover_dir, workdir, log=print):
    """Trains and measures every row of one task; its report dict."""
    t = task_config(c, task, cover_dir, log)
    task_dir = os.path.join(workdir, task)
    srnet_dir, srnet = full_model(t, "srnet", log)
    xunet_dir, xunet = full_model(t, "xunet", log)
    pretrained = os.path.join(srnet_dir, "best.keras")
    per_seed = []
    for seed in c.bench.seeds:
        log(f"=== {task}, seed {seed}")
        per_seed.append(run_seed(t, task_dir, pretrained, seed, log))
    seed_dir = os.path.join(task_dir, f"seed_{c.bench.seeds[0]}")
    folders = {("full", 0.0): srnet_dir, ("xunet", 0.0): xunet_dir}
    folders.update({k: os.path.join(seed_dir, stage_folder(*k)) for k in per_seed[0]})
    paths = {
        k: os.path.join(f, "best.keras" if k[0] in ("full", "xunet") else MODEL)
        for k, f in folders.items()
    }
    measured = costs(t, task_dir, paths, log)
    cost_dirs = ["full", "xunet", *(stage_folder(*k) for k in per_seed[0])]
    own = [
        *(
            os.path.join(task_dir, f"seed_{seed}", name)
            for seed in c.bench.seeds
            for name in stage_folders(c)
        ),
        *(os.path.join(task_dir, "costs", name) for name in cost_dirs),
        srnet_dir,
        xunet_dir,
    ]
    return {
        "task": task,
        # this config's stages only, the full models' training included
        "minutes": stage_minutes([f for f in own if os.path.isdir(f)]),
        "seeds": list(c.bench.seeds),
        "covers": t.data.covers,
        "stegos": t.data.stegos,
        "full": {"srnet": srnet, "xunet": xunet},
        "curves": {
            "srnet": _curve(os.path.join(srnet_dir, "train"), srnet["every"]),
            "xunet": _curve(os.path.join(xunet_dir, "train"), xunet["every"]),
        },
        "per_seed": per_seed,
        "costs": measured,
        "photos": per_photo(t.data.covers, t.data.stegos, folders),
        "test_photos": len(set(_test_groups(t.data.covers))),
    }


def _curve(train_dir, every):
    """[(iteration, validation accuracy)] after each epoch of a training."""
    import csv

    with open(os.path.join(train_dir, "history.csv")) as f:
        rows = list(csv.DictReader(f))
    return [((k + 1) * every, float(r["val_accuracy"])) for k, r in enumerate(rows)]


def _test_groups(covers_dir):
    return [
        f.get("group") or demo.photo_of(f["name"])
        for f in Manifest.load(covers_dir).files
        if f.get("split") == "test"
    ]


def stage_minutes(folders):
    """Minutes summed over every stage under ``folders``."""
    total = 0.0
    for top in folders:
        for folder, _, files in os.walk(top):
            if run.DONE in files:
                with open(os.path.join(folder, run.DONE)) as f:
                    total += json.load(f).get("seconds", 0.0)
    return total / 60


def run_bench(config, workdir, command="", log=print, out=None, summary_path=None):
    """The whole benchmark (resumable); returns the task dicts.

    Its rows (``bench_report.record``) go to ``out/rows.json`` (default
    ``out``: the work folder) and the report made from them (README.md,
    config.json, figures/, summary.json at ``summary_path``, default
    ``out/summary.json``) beside them."""
    c = config.copy_and_resolve_references()
    probe = c.copy_and_resolve_references()
    probe.data.demo.use = True  # each task's data are checked when made
    check(validate(probe))
    for key in ("data_dir", "cache"):
        c.bench[key] = c.bench[key] or os.path.join(demo.default_cache(), "bench")
    os.makedirs(workdir, exist_ok=True)
    atomic.write_json(os.path.join(workdir, "config.json"), c.to_dict())
    cover_dir = covers(c, log)
    tasks = [run_task(c, task, cover_dir, workdir, log) for task in c.bench.tasks]
    # this command's tasks only: another task run into the same work folder
    # (one command per task) is not this command's time
    minutes = sum(t["minutes"] for t in tasks)
    out = out or workdir
    os.makedirs(out, exist_ok=True)
    record = bench_report.record(tasks, c, command, minutes)
    atomic.write_json(os.path.join(out, "rows.json"), record)
    log(bench_report.publish(out, summary_path))
    return tasks
