"""What gets full SRNet past its 50 % plateau fastest on 2 cores (issue 13).

  python -m benchmarks.srnet_learning.run --covers=data/photos64 \
      --workdir=work/srnet_learning --arms=xunet,plain,curriculum,high_pass,zero_mean

On the photo set of ``sasrnet_prepare --src=photos`` (64x64 tiles split by
photo), LSB matching at --payload, 16 pairs per batch, Adamax at 1e-3, one
validation pass every --every iterations. Arms:

- ``xunet``: XuNet with the same budget, the accuracy SRNet should reach.
- ``plain``: SRNet as built (He-initialised first layer).
- ``zero_mean``: the first layer's 64 kernels made zero-mean at the start, so
  that it starts as a bank of high-pass filters (the stego signal is
  high-frequency, the content mostly low).
- ``high_pass``: the first layer's 64 kernels started as high-pass
  residual filters (``srnet(stem_init="high_pass")``, ``models.layers.
  HighPass``: SRM-like 3x3 first- and second-order differences in four
  directions and the 3x3 "square" filter, random signs, a little noise,
  He-scaled): where XuNet's fixed KV filter lets it leave the plateau
  within its first epoch.
- ``curriculum``: the first --curriculum_steps iterations at 2.5x the payload
  (at most 1 bpp), the rest at the payload: SRNet's authors seeded
  low-payload detectors from higher-payload ones.

Every arm runs the same number of iterations. Each is a resumable stage of
its own (done.json); rows.json gets one row per arm with its learning curve,
the first iteration at which validation accuracy reached 60 % ("left the
plateau") and test accuracy of the best validation epoch; README.md and
curves.png are generated from rows.json.
"""

import csv
import json
import os

from absl import flags

from benchmarks import study
from benchmarks.srnet_learning.report import figure, readme
from keras_sasrnet import cli, models
from keras_sasrnet.data import embed
from keras_sasrnet.train.config import base
from keras_sasrnet.train.run import Run, train_stage

HERE = os.path.dirname(os.path.abspath(__file__))
ARMS = ("xunet", "plain", "zero_mean", "high_pass", "curriculum")
PLATEAU = 0.6  # validation accuracy that counts as having left the plateau

FLAGS = flags.FLAGS
flags.DEFINE_string("covers", None, "Cover set (sasrnet_prepare --src=photos).")
flags.DEFINE_string("workdir", None, "Where stegos and stages are kept (resumable).")
flags.DEFINE_list("arms", list(ARMS), f"Arms to run, of {ARMS}.")
flags.DEFINE_float("payload", 0.4, "LSB matching payload (bpp).", lower_bound=0.01)
flags.DEFINE_integer("steps", 3000, "Iterations per arm.", lower_bound=1)
flags.DEFINE_integer(
    "every",
    250,
    "Iterations between validations (at most one pass over the training pairs).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "curriculum_steps", 1000, "Iterations at the higher payload.", lower_bound=1
)
flags.DEFINE_string("out", HERE, "Folder for rows.json, README.md and curves.png.")
flags.DEFINE_bool("report_only", False, "Remake README.md from rows.json only.")


def _stegos(covers, workdir, payload):
    out = os.path.join(workdir, f"stegos_lsbm_{payload:g}")
    embed.embed_dataset(covers, out, "lsbm", payload, seed=0, progress=False)
    return out


def _config(covers, stegos, arch, steps, every, stem_init="he_normal"):
    c = base()
    c.data.covers, c.data.stegos = covers, stegos
    c.model.arch = arch
    if arch == "srnet":
        c.model.stem_init = stem_init
    c.train.steps_per_epoch = every
    c.baseline.steps, c.baseline.decay_step = steps, 0
    return c


def _curve(folder):
    """(iterations, validation accuracy) after each epoch of a training."""
    with open(os.path.join(folder, "history.csv")) as f:
        return [float(row["val_accuracy"]) for row in csv.DictReader(f)]


def _zero_mean(model):
    conv = next(layer for layer in model.layers if layer.name == "l1_conv")
    kernel, *rest = conv.get_weights()
    conv.set_weights([kernel - kernel.mean(axis=(0, 1, 2), keepdims=True), *rest])
    return model


def arm(name, covers, workdir, log=print):
    """Trains one arm; its row (curve, plateau exit, best val, test)."""
    payload, steps, every = FLAGS.payload, FLAGS.steps, FLAGS.every
    folder = os.path.join(workdir, name)
    arch = "xunet" if name == "xunet" else "srnet"
    stegos = _stegos(covers, workdir, payload)
    stem = "high_pass" if name == "high_pass" else "he_normal"
    r = Run(_config(covers, stegos, arch, steps, every, stem), folder, log)
    every = r.steps_per_epoch  # at most one pass over the training pairs
    curve = []

    def work(stage):
        build = r.build
        if name == "zero_mean":
            build = lambda: _zero_mean(r.build())  # noqa: E731
        first = steps
        if name == "curriculum":
            high = min(1.0, 2.5 * payload)
            easy = _stegos(covers, workdir, high)
            warm = Run(_config(covers, easy, arch, steps, every), folder, log)
            warm.val = r.val  # validated at the target payload throughout
            first = min(FLAGS.curriculum_steps, steps)
            train_stage(warm, r.build, first, 1e-3, 0, stage, "warm.keras", "warm")
            curve.extend(_curve(os.path.join(stage, "warm")))
            path = os.path.join(stage, "warm.keras")
            build, first = (lambda: models.load(path)), steps - first
        model = train_stage(r, build, first, 1e-3, 0, stage, "best.keras")
        curve.extend(_curve(os.path.join(stage, "train")))
        m = r.measure(model, stage, timing=False)
        return {"curve": curve, **m}

    done = r.stage("train", work)
    curve = done["curve"]
    left = next((k for k, a in enumerate(curve) if a >= PLATEAU), None)
    return {
        "arm": name,
        "arch": arch,
        "payload": payload,
        "steps": steps,
        "every": every,
        "curve": curve,
        "left_plateau_at": None if left is None else (left + 1) * every,
        "val_best": max(curve),
        "test_accuracy": done["test_accuracy"],
        "seconds": done["seconds"],
    }


def write(rows, out):
    """rows.json, then README.md and curves.png made from it."""
    study.merge(out, rows, lambda r: r["arm"])
    print(study.publish(out, readme))
    figure(out)


def main(argv):
    del argv
    if FLAGS.report_only:
        print(study.publish(FLAGS.out, readme))
        return
    if not FLAGS.covers or not FLAGS.workdir:
        raise ValueError("--covers and --workdir are required unless --report_only")
    unknown = sorted(set(FLAGS.arms) - set(ARMS))
    if unknown:
        raise ValueError(f"--arms: unknown {unknown}; expected some of {ARMS}")
    rows = []
    for name in FLAGS.arms:
        rows.append(arm(name, FLAGS.covers, FLAGS.workdir))
        print(json.dumps({k: v for k, v in rows[-1].items() if k != "curve"}))
        write(rows, FLAGS.out)


if __name__ == "__main__":
    cli.start(main)
