"""The latency model of Keras on JAX on a GPU, checked on held-out SRNets.

Two steps, because the lent GPU machine has JAX but no TensorFlow:

  # here: the widths to time (random SRNets as benchmarks.latency.run draws
  # them, full SRNet and XuNet, and the benchmark's slimmed rows)
  python -m benchmarks.latency.gpu --entries=.gpu/entries.json \
      --slimmed=/work/exp/bench28/work
  # on the GPU machine, in shards that build and compile in parallel and
  # take turns to time (a file lock), so no two time at once:
  KERAS_BACKEND=jax python -m benchmarks.latency.gpu --entries=.gpu/entries.json \
      --shard=0 --shards=6 --times=$OUT/times   # one per shard
  # here: fit on the "fit" models, check on the others, write the study
  python -m benchmarks.latency.gpu --entries=.gpu/entries.json \
      --times=FOLDER_OF_TIMES

Each shard times full SRNet with its own models, in turns (median of
--rounds calls at each batch size), in true float32 (``precision.apply``),
each call a compiled Keras predict on device-resident input. The fit is
``keras_sasrnet.latency.LatencyModel`` on the same terms as the CPU model
(MACs, activations and padded MACs per resolution), one per batch size;
rows and README go to ``benchmarks/latency/gpu/``.
"""

import fcntl
import glob
import json
import os
import statistics
import time

import numpy as np
from absl import app, flags

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpu")
SIZE = (256, 256)

FLAGS = flags.FLAGS
flags.DEFINE_string("entries", None, "JSON list of the models to time.", required=True)
flags.DEFINE_string("slimmed", None, "Benchmark work folder: add its slimmed rows.")
flags.DEFINE_integer("fit", 40, "Random SRNets to fit on.", lower_bound=2)
flags.DEFINE_integer("held_out", 24, "Random SRNets to check on.", lower_bound=1)
flags.DEFINE_integer("seed", 1, "Seed of the random widths.")
flags.DEFINE_integer("shard", None, "Time this shard of the entries (GPU machine).")
flags.DEFINE_integer("shards", 1, "Number of shards.", lower_bound=1)
flags.DEFINE_list("batch_sizes", ["1", "64"], "Batch sizes to time.")
flags.DEFINE_integer("rounds", 20, "Timed calls per model and batch size (median).")
flags.DEFINE_float("build_for", 1e9, "Seconds of building; then time what is built.")
flags.DEFINE_string("times", None, "Folder of the shards' times.")
flags.DEFINE_string("out", HERE, "Folder of rows.json, table.json and README.md.")


def widths_of(model):
    """{conv layer name: filters} of a built model."""
    return {
        layer.name: int(layer.filters)
        for layer in model.layers
        if hasattr(layer, "filters")
    }


def make_entries(path, n_fit, n_held, seed, slimmed):
    from benchmarks.latency.widths import entries as random_entries

    found = random_entries(n_fit, n_held, seed)
    if slimmed:
        import keras

        for file in sorted(glob.glob(os.path.join(slimmed, "*/seed_*/*/pruned.keras"))):
            if "/int8_" in file:
                continue
            model = keras.models.load_model(file, compile=False)
            parts = file.split(os.sep)
            found.append(
                {
                    "name": "/".join(parts[-4:-1]),
                    "arch": "srnet",
                    "role": "slimmed",
                    "widths": widths_of(model),
                }
            )
    with open(path, "w") as f:
        json.dump(found, f, indent=1)
    print(f"{len(found)} entries -> {path}")


def time_shard(entries, shard, shards, batch_sizes, rounds, folder, build_for):
    """Builds and compiles this shard's models, then times them in turns.

    Building stops after ``build_for`` seconds; what is built is timed.
    """
    import keras

    from keras_sasrnet import models, precision
    from keras_sasrnet.models.io import for_inference

    precision.apply("float32")
    mine = [e for k, e in enumerate(entries) if k % shards == shard]
    mine = [entries[0]] + [e for e in mine if e is not entries[0]]  # full SRNet
    rng = np.random.default_rng(shard)
    calls, began = [], time.time()
    for e in mine:
        if time.time() - began > build_for:
            print(f"shard {shard}: out of building time at {e['name']}")
            break
        start = time.time()
        model = models.build(e["arch"], input_shape=(*SIZE, 1), widths=e["widths"])
        model = for_inference(model, SIZE)
        for b in batch_sizes:
            x = keras.ops.convert_to_tensor(
                rng.normal(128, 40, (b, *SIZE, 1)).astype("float32")
            )
            call = _call(model, x)
            call()
            calls.append((e["name"], b, call))
        print(f"shard {shard}: built {e['name']} in {time.time() - start:.1f} s")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for _, _, call in calls:
            call()  # warm after the wait
        spent = [[] for _ in calls]
        for _ in range(rounds):
            for t, (_, _, call) in zip(spent, calls, strict=True):
                start = time.perf_counter()
                call()
                t.append(time.perf_counter() - start)
        fcntl.flock(lock, fcntl.LOCK_UN)
    rows = [
        {"name": name, "batch": b, "ms": 1e3 * statistics.median(t), "shard": shard}
        for (name, b, _), t in zip(calls, spent, strict=True)
    ]
    path = os.path.join(folder, f"shard_{shard}.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"device": _device(), "rows": rows}, f, indent=1)
    os.replace(path + ".tmp", path)
    print(f"shard {shard}: timed {len(calls) // len(batch_sizes)} models -> {path}")


def _call(model, x):
    """A compiled inference call whose result is on the host (synchronised)."""
    import jax

    fn = jax.jit(lambda v, t: model.stateless_call(v[0], v[1], t, training=False)[0])
    state = (
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
    )
    return lambda: np.asarray(fn(state, x))


def _device():
    import jax

    return jax.devices()[0].device_kind


def main(argv):
    del argv
    if FLAGS.shard is not None:
        with open(FLAGS.entries) as f:
            entries = json.load(f)
        sizes = [int(b) for b in FLAGS.batch_sizes]
        time_shard(
            entries,
            FLAGS.shard,
            FLAGS.shards,
            sizes,
            FLAGS.rounds,
            FLAGS.times,
            FLAGS.build_for,
        )
    elif FLAGS.times:
        from benchmarks.latency import gpu_report

        print(gpu_report.fit_and_write(FLAGS.entries, FLAGS.times, FLAGS.out, SIZE))
    else:
        counts = FLAGS.fit, FLAGS.held_out, FLAGS.seed
        make_entries(FLAGS.entries, *counts, FLAGS.slimmed)


if __name__ == "__main__":
    app.run(main)
