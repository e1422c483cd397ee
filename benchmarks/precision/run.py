"""Float32 against TensorFloat-32 (and mixed precision) for SRNet training.

Runs on any Keras backend without TensorFlow (the lent GPU machines have JAX
and PyTorch only), from a data file made on a machine with the package's
data tools:

  python -m benchmarks.precision.run --make_data=work/precision/demo.npz
  KERAS_BACKEND=jax python -m benchmarks.precision.run \
      --data=work/precision/demo.npz --steps=8000 --eval_every=1000 \
      --modes=float32,tf32,mixed_bfloat16

The demo task (64x64 crops of scikit-image photographs, split by photo, LSB
matching 0.4 bpp); SRNet from ``models.build``; Adamax 1e-3, 16 pairs per
batch with the same random rot90/flip for a cover and its stego; validation
accuracy every ``eval_every`` iterations. One row per mode goes to
``rows.json`` (merged by mode and device), and README.md is generated
from the rows (``benchmarks/precision/report.py``). On a CPU the modes
only differ in mixed precision: the test runs it with a tiny budget so
that it keeps working.
"""

import os
import shlex
import sys
import time

import numpy as np
from absl import app, flags

from benchmarks import study
from benchmarks.precision.report import readme

HERE = os.path.dirname(os.path.abspath(__file__))

FLAGS = flags.FLAGS
flags.DEFINE_string("make_data", None, "Write the demo task to this .npz and stop.")
flags.DEFINE_float("payload", 0.4, "LSB matching payload (bpp) for --make_data.")
flags.DEFINE_string("data", None, "The .npz made by --make_data.")
flags.DEFINE_list("modes", ["float32", "tf32"], "Precisions to compare.")
flags.DEFINE_integer("steps", 8000, "Training iterations per mode.", lower_bound=1)
flags.DEFINE_integer("eval_every", 1000, "Iterations between validations.")
flags.DEFINE_integer("pairs", 16, "Cover-stego pairs per batch.", lower_bound=1)
flags.DEFINE_float("width", 1.0, "SRNet width scale (tests: 1/16).")
flags.DEFINE_integer("seed", 0, "Seed of initialisation and batches.")
flags.DEFINE_enum(
    "stem_init",
    "he_normal",
    ["he_normal", "high_pass"],
    "SRNet's first-layer initialiser: high_pass leaves the 50 % plateau within "
    "~100 iterations (benchmarks/srnet_learning), he_normal after ~2,000.",
)
flags.DEFINE_string("out", HERE, "Folder of rows.json and README.md.")
flags.DEFINE_bool("report_only", False, "Remake README.md from the rows only.")


def make_data(path, payload):
    """Covers and LSBM stegos of the demo crops, as uint8 arrays per split."""
    from keras_sasrnet.data import demo, embed, images
    from keras_sasrnet.data.manifest import Manifest

    covers = demo.demo_covers(size=64)
    stegos = f"{covers}_lsbm_{payload}"
    embed.embed_dataset(covers, stegos, "lsbm", payload, progress=False)
    arrays = {}
    have = set(Manifest.load(stegos).names())
    for split in ("train", "val"):
        names = [n for n in Manifest.load(covers).names(split) if n in have]
        for kind, folder in (("cover", covers), ("stego", stegos)):
            arrays[f"{split}_{kind}"] = np.stack(
                [images.read_gray(os.path.join(folder, n)) for n in names]
            )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def batches(cover, stego, pairs, rng):
    """Endless (x, y) batches: pairs with one shared random rot90 and flip."""
    n = len(cover)
    while True:
        idx = rng.integers(0, n, pairs)
        xs = []
        for i in idx:
            k, flip = rng.integers(0, 4), rng.integers(0, 2)
            for image in (cover[i], stego[i]):
                t = np.rot90(image, k)
                xs.append(t[:, ::-1] if flip else t)
        x = np.stack(xs).astype("float32")[..., None]
        yield x, np.tile([0, 1], pairs).astype("int32")


def train_one(
    mode, data, steps, eval_every, pairs, width, seed, log=print, stem_init="he_normal"
):
    """One training run; returns {mode, curve, best_val, seconds, ...}."""
    import keras

    from keras_sasrnet import models, precision

    precision.apply(mode)
    keras.utils.set_random_seed(seed)
    model = models.build(
        "srnet",
        width,
        input_shape=(*data["train_cover"].shape[1:], 1),
        stem_init=stem_init,
    )
    if mode.startswith("mixed_"):
        model = precision.float32_stem(model)
    model.compile(
        keras.optimizers.Adamax(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    val_x = np.concatenate([data["val_cover"], data["val_stego"]])[..., None].astype(
        "float32"
    )
    val_y = np.repeat([0, 1], len(data["val_cover"])).astype("int32")
    stream = batches(
        data["train_cover"], data["train_stego"], pairs, np.random.default_rng(seed)
    )
    curve, start, done = [], time.time(), 0
    while done < steps:
        chunk = min(eval_every, steps - done)
        for _ in range(chunk):
            x, y = next(stream)
            model.train_on_batch(x, y)
        done += chunk
        _, acc = model.evaluate(val_x, val_y, batch_size=64, verbose=0)
        curve.append([done, round(float(acc), 4)])
        log(f"{mode}: {done}/{steps} it, val {acc:.4f}")
    precision.apply("float32")
    return {
        "precision": mode,
        "backend": keras.backend.backend(),
        "device": _device(),
        "steps": steps,
        "width": width,
        "stem_init": stem_init,
        "pairs": pairs,
        "seed": seed,
        "curve": curve,
        "best_val": max(a for _, a in curve),
        "seconds": round(time.time() - start, 1),
        "command": _command(),
    }


def _command():
    """The command line of this run, as a user would type it."""
    import keras

    argv, args = sys.argv[1:], []
    while argv:  # --out is where the rows went, not what was measured
        a = argv.pop(0)
        if a == "--out" and argv:
            argv.pop(0)
        elif not a.startswith("--out="):
            args.append(a)
    args = shlex.join(args)
    backend = keras.backend.backend()
    return f"KERAS_BACKEND={backend} python -m benchmarks.precision.run {args}"


def _key(row):
    """A row's identity: what it measured, on what, with which model."""
    return (
        row["precision"],
        row["device"],
        row["backend"],
        row["width"],
        row.get("stem_init", "he_normal"),
        row["steps"],
    )


def _device():
    import keras

    if keras.backend.backend() == "jax":
        import jax

        return jax.devices()[0].device_kind
    return "cpu"


def main(argv):
    del argv
    if FLAGS.report_only:
        print(study.publish(FLAGS.out, readme))
        return
    if FLAGS.make_data:
        make_data(FLAGS.make_data, FLAGS.payload)
        return
    if not FLAGS.data:
        raise app.UsageError("give --data (or --make_data=FILE, or --report_only)")
    data = dict(np.load(FLAGS.data))
    for mode in FLAGS.modes:
        row = train_one(
            mode,
            data,
            FLAGS.steps,
            FLAGS.eval_every,
            FLAGS.pairs,
            FLAGS.width,
            FLAGS.seed,
            stem_init=FLAGS.stem_init,
        )
        study.merge(FLAGS.out, [row], _key)
        text = study.publish(FLAGS.out, readme)
    sys.stdout.write(text)


if __name__ == "__main__":
    app.run(main)
