"""Deployment latency: batch-1 inference of a detector in Keras and LiteRT.

Every format gets the same random 0-255 images; weights and calibration do not
change the work a CPU does, so untrained or random-gamma slimmed models time
the same as trained ones. LiteRT runs with as many threads as there are cores,
as TF does by default.
"""

import os
import statistics
import tempfile
import time

import numpy as np

from keras_sasrnet import atomic, profile
from keras_sasrnet.export import convert
from keras_sasrnet.models.io import save
from keras_sasrnet.models.litert import LiteRTModel, weight_bytes
from keras_sasrnet.profile import latency as keras_latency


def litert_latency(path, input_size, warmup=2, repeats=10, threads=None, seed=0):
    """Median milliseconds of one batch-1 LiteRT call on a ``.tflite`` file."""
    if repeats < 1 or warmup < 0:
        raise ValueError(
            f"need repeats >= 1 and warmup >= 0; received {repeats}, {warmup}"
        )
    model = LiteRTModel(path, threads=threads or os.cpu_count())
    x = np.random.default_rng(seed).uniform(0, 255, (1, *input_size, 1))
    x = x.astype(np.float32)
    for _ in range(max(warmup, 1)):
        model(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def runner(path, threads=None):
    """The runtime of a ``.tflite`` (LiteRT) or ``.onnx`` (ONNX Runtime) file,
    as a callable on (N, H, W, 1) float32 batches."""
    threads = threads or os.cpu_count()
    if str(path).endswith(".onnx"):
        from keras_sasrnet.models.onnx_runtime import OnnxModel

        return OnnxModel(path, threads=threads)
    return LiteRTModel(path, threads=threads)


def file_latencies(paths, input_size, rounds=21, threads=None, batch=1, seed=0):
    """Median milliseconds of one call of each ``.tflite`` / ``.onnx`` file
    on a batch, timed in turns.

    Each round times one call of every model, so a change in the machine's
    load hits all of them alike (as ``profile.latencies`` does for Keras):
    ratios between the models and runtimes hold on a busy machine.
    """
    if rounds < 1 or batch < 1:
        raise ValueError(f"need rounds, batch >= 1; received {rounds}, {batch}")
    x = np.random.default_rng(seed).uniform(0, 255, (batch, *input_size, 1))
    x = x.astype(np.float32)
    runners = [runner(p, threads) for p in paths]
    for run in runners:
        run(x)  # the first call allocates and packs the weights
    times = [[] for _ in runners]
    for _ in range(rounds):
        for spent, run in zip(times, runners, strict=True):
            start = time.perf_counter()
            run(x)
            spent.append(time.perf_counter() - start)
    return [1e3 * statistics.median(t) for t in times]


def formats(model, input_size, modes=convert.MODES, warmup=2, repeats=10, log=None):
    """Batch-1 latency and size of ``model`` in Keras and in each TFLite mode.

    Returns a dict: format ("keras", "tflite float32", ...) -> {"ms", "bytes",
    "weight_bytes"}; "keras" is the compiled ``tf.function`` call and the size
    of the ``.keras`` file.
    """
    input_size = tuple(int(s) for s in input_size)
    rng = np.random.default_rng(1)
    calibration = rng.uniform(0, 255, (8, *input_size, 1)).astype(np.float32)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        save(model, path)
        results["keras"] = {
            "ms": keras_latency(model, input_size, 1, warmup, repeats),
            "bytes": os.path.getsize(path),
            "weight_bytes": sum(w.nbytes for w in model.get_weights()),
        }
        for mode in modes:
            if log:
                log(f"  tflite {mode} ...")
            path = os.path.join(tmp, f"model_{mode}.tflite")
            size = convert.export_tflite(model, path, mode, input_size, calibration)
            results[f"tflite {mode}"] = {
                "ms": litert_latency(path, input_size, warmup, repeats),
                "bytes": size,
                "weight_bytes": weight_bytes(path),
            }
    return results


def bench(
    model,
    rates,
    modes,
    input_size,
    out,
    warmup=2,
    repeats=10,
    seed=0,
    importance="gamma",
):
    """Times ``model`` and its slimmed copies per format: out/latency.{json,md}.

    Args:
        model: the full model.
        rates: a slimmed copy per rate (``profile.slimmed_copies``, with
            ``seed`` and ``importance``).
        modes: TFLite precisions (``formats``).
        input_size: image side (H = W).
        out: output folder.
        warmup, repeats: see ``formats``.

    Returns:
        The rows ``format_table`` takes (also printed as a table), with the
        trainable params and the MACs per image of each model.
    """
    size = (input_size, input_size)
    label = "slimmed {rate:.0%}"
    rows = []
    for name, m in profile.slimmed_copies(
        model, rates, seed, label, importance=importance
    ):
        print(f"timing {name} ...", flush=True)
        rows.append(
            {
                "name": name,
                "params": profile.count_params(m)[0],
                "macs": sum(profile.count_macs(m, size).values()),
                "formats": formats(m, size, modes, warmup, repeats, log=print),
            }
        )
    table = format_table(rows)
    note = (
        f"{size[0]}x{size[1]} grayscale input, batch 1, median of {repeats} "
        f"calls on {os.cpu_count()} CPU threads (ms); trainable params; sizes "
        "are the files."
    )
    os.makedirs(out, exist_ok=True)
    atomic.write_json(os.path.join(out, "latency.json"), rows)
    atomic.write_text(os.path.join(out, "latency.md"), f"{note}\n\n{table}\n")
    print(f"\n{note}\n\n{table}\n\nwrote {out}/latency.md")
    return rows


def format_table(rows):
    """Markdown: one row per model, latency (ms) and file size per format.

    Args:
        rows: dicts with "name", "params", "macs" and "formats" (as returned
            by ``formats``); the first row is the 100 % reference.
    """
    if not rows:
        return ""
    names = list(rows[0]["formats"])
    head = ["model", "params", "MACs"]
    head += [f"{n} ms" for n in names] + [f"{n} size" for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    base = rows[0]
    for r in rows:
        cells = [
            r["name"],
            f"{r['params']:,} ({100 * r['params'] / base['params']:.1f} %)",
            f"{r['macs'] / 1e9:.3f} G ({100 * r['macs'] / base['macs']:.1f} %)",
        ]
        cells += [f"{r['formats'][n]['ms']:.1f}" for n in names]
        cells += [_size(r["formats"][n]["bytes"]) for n in names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _size(n):
    if n >= 1 << 20:
        return f"{n / (1 << 20):.2f} MiB"
    return f"{n / 1024:.1f} KiB"
