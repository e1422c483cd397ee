"""A task's data and full models: the cover set (made once), its stegos,
the run config, and the full SRNet and XuNet, trained once and cached."""

import hashlib
import json
import os

from benchmarks.harness.config import TASKS
from keras_sasrnet.data import demo, embed, photos
from keras_sasrnet.data.manifest import Manifest
from keras_sasrnet.train import run
from keras_sasrnet.train.config import validate


def covers(c, log=print):
    """The cover set of the benchmark (made once, in the cache)."""
    b = c.bench
    if b.source == "demo":
        d = c.data.demo
        return demo.demo_covers(
            os.path.join(b.data_dir, f"demo_{d.crop}_{d.stride}"),
            d.crop,
            d.stride or None,
            max_per_photo=d.max_per_photo or None,
        )
    size, stride = b.photo_size, b.photo_stride or b.photo_size
    name = f"photos{size}" if stride == size else f"photos{size}_{stride}"
    if b.photo_side != 512:
        name += f"_side{b.photo_side}"
    folder = os.path.join(b.data_dir, name)
    photos.photo_covers(
        folder,
        size=size,
        stride=stride,
        side=b.photo_side,
        split=(None, 5, 10),
        log=log,
    )
    return folder


def task_config(c, task, cover_dir, log=print):
    """The run config of one task: its covers and (once) its stegos."""
    stegos = os.path.join(
        os.path.dirname(cover_dir) or ".",
        f"{os.path.basename(cover_dir)}_{TASKS[task]}_{c.bench.payload:g}",
    )
    embed.embed_dataset(cover_dir, stegos, TASKS[task], c.bench.payload, seed=0)
    t = c.copy_and_resolve_references()
    t.data.demo.use = False
    t.data.covers, t.data.stegos = cover_dir, stegos
    return validate(t)


def fingerprint(c, arch):
    """What shapes a full model: data, architecture, recipe (not the bench)."""
    keys = {
        "covers": Manifest.load(c.data.covers).info,
        "cover_files": len(Manifest.load(c.data.covers).names()),
        "stegos": Manifest.load(c.data.stegos).info,
        "model": {**c.model.to_dict(), "arch": arch},
        "baseline": c.baseline.to_dict(),
        "train": c.train.to_dict(),
        "pairs": c.data.pairs_per_replica,
        "seed": c.seed,
        "precision": c.get("precision"),
    }
    text = json.dumps(keys, sort_keys=True, default=str)
    return f"{arch}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def model_config(c, arch):
    m = c.copy_and_resolve_references()
    m.model.arch = arch
    if arch != "srnet":  # srnet's own arguments
        kept = {k: v for k, v in m.model.to_dict().items() if k != "stem_init"}
        with m.unlocked():
            m.model = kept
    return m


def full_model(c, arch, log=print):
    """(folder, metrics) of the cached full model of ``arch`` for this task."""
    m = model_config(c, arch)
    folder = os.path.join(c.bench.cache, fingerprint(m, arch))
    r = run.Run(m, folder, log)

    def work(stage):
        model = run.train_stage(
            r,
            r.build,
            m.baseline.steps,
            m.train.lr,
            m.baseline.decay_step,
            stage,
            "best.keras",
        )
        measured = r.measure(model, stage, timing=False)
        return {"arch": arch, "every": r.steps_per_epoch, **measured}

    metrics = dict(r.stage("full", work), folder=os.path.join(folder, "full"))
    return metrics["folder"], metrics
