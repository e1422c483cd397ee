"""Odd widths or multiples of 8? ``round_to`` per target (issue 14).

  python -m benchmarks.round_to.run --target=cpu                    # TF backend
  KERAS_BACKEND=jax python -m benchmarks.round_to.run --target=gpu  # on a GPU

SRNet at 256x256 with random gammas (seeded; the work a device does does not
depend on trained weights) is slimmed at each --rates with ``round_to`` 1
(the widths the threshold leaves, mostly odd) and 8. Per variant:

- ``cpu``: batch-1 latency in Keras (a compiled ``tf.function``) and in
  LiteRT (float32 ``.tflite``), models timed in turns.
- ``gpu``: inference images/s at batch --infer_batch (``predict_on_batch``)
  and training images/s at batch --train_batch (``train_on_batch``, Adamax),
  backend-agnostic Keras calls, in true float32 (``precision.apply``).

Rows (one per target, variant) are merged into rows.json by (target,
device, variant); README.md is generated from rows.json.
"""

import json
import os
import platform
import statistics
import time

import keras
import numpy as np
from absl import flags

from benchmarks import study
from benchmarks.round_to.report import readme
from keras_sasrnet import cli, models, precision, profile, slimming

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = (256, 256)

FLAGS = flags.FLAGS
flags.DEFINE_enum("target", None, ["cpu", "gpu"], "What to time (see the docstring).")
flags.DEFINE_list("rates", ["0.4", "0.6"], "Pruning rates to slim SRNet at.")
flags.DEFINE_integer("infer_batch", 100, "gpu: images per inference call.")
flags.DEFINE_integer("train_batch", 32, "gpu: images per training step.")
flags.DEFINE_integer("repeats", 20, "Timed calls per variant (median).")
flags.DEFINE_string("device", None, "Label of the machine (default: the platform).")
flags.DEFINE_string("out", HERE, "Folder of rows.json and README.md.")
flags.DEFINE_bool("report_only", False, "Remake README.md from rows.json only.")


def variants(rates):
    """[(name, rate, round_to, model)]: full SRNet, then each rate x 1, 8."""
    full = slimming.randomize_gammas(models.build("srnet", input_shape=(*SIZE, 1)))
    found = [("full", 0.0, 1, full)]
    for rate in rates:
        for round_to in (1, 8):
            slim, _ = slimming.slim(full, rate, round_to=round_to)
            found.append((f"{rate:g} round_to {round_to}", rate, round_to, slim))
    return found


def _median_seconds(call, repeats, warmup=3):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gpu_figures(model, infer_batch, train_batch, repeats):
    rng = np.random.default_rng(0)
    x = keras.ops.convert_to_tensor(
        rng.uniform(0, 255, (infer_batch, *SIZE, 1)).astype("float32")
    )
    infer = _median_seconds(lambda: model.predict_on_batch(x), repeats)
    model.compile(keras.optimizers.Adamax(1e-3), "sparse_categorical_crossentropy")
    xt = keras.ops.convert_to_tensor(
        rng.uniform(0, 255, (train_batch, *SIZE, 1)).astype("float32")
    )
    yt = keras.ops.convert_to_tensor(np.arange(train_batch) % 2)
    train = _median_seconds(lambda: model.train_on_batch(xt, yt), repeats)
    return {
        "infer_images_per_s": infer_batch / infer,
        "train_images_per_s": train_batch / train,
    }


def cpu_figures(found, repeats):
    """Batch-1 ms in Keras and LiteRT float32, every model timed in turns."""
    import tempfile

    from keras_sasrnet.export import convert
    from keras_sasrnet.export.latency import litert_latency

    keras_ms = profile.latencies([m for *_, m in found], SIZE, 1, 2, repeats)
    litert_ms = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, (*_, model) in enumerate(found):
            paths.append(os.path.join(tmp, f"{k}.tflite"))
            convert.export_tflite(model, paths[-1], "float32", SIZE)
        for _ in range(2):  # two rounds of every model, the better median kept
            litert_ms.append([litert_latency(p, SIZE, 2, repeats) for p in paths])
    litert = np.min(litert_ms, axis=0)
    return [
        {"keras_ms": k, "litert_ms": float(t)}
        for k, t in zip(keras_ms, litert, strict=True)
    ]


def main(argv):
    del argv
    if FLAGS.report_only:
        print(study.publish(FLAGS.out, readme))
        return
    if FLAGS.target is None:
        raise ValueError("--target is required (cpu or gpu) unless --report_only")
    rates = [slimming.check_rate(r) for r in cli.parse_floats(FLAGS.rates, "rates")]
    precision.apply("float32")
    found = variants(rates)
    device = FLAGS.device or platform.processor() or platform.machine()
    if FLAGS.target == "gpu":
        figures = [
            gpu_figures(m, FLAGS.infer_batch, FLAGS.train_batch, FLAGS.repeats)
            for *_, m in found
        ]
    else:
        figures = cpu_figures(found, FLAGS.repeats)
    rows = []
    for (name, rate, round_to, model), fig in zip(found, figures, strict=True):
        rows.append(
            {
                "target": FLAGS.target,
                "device": device,
                "backend": keras.backend.backend(),
                "variant": name,
                "rate": rate,
                "round_to": round_to,
                "params": model.count_params(),
                "macs": sum(profile.count_macs(model, SIZE).values()),
                **fig,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    key = lambda r: (r["target"], r["device"], r["variant"])  # noqa: E731
    study.merge(FLAGS.out, rows, key)
    print(study.publish(FLAGS.out, readme))


if __name__ == "__main__":
    cli.start(main)
