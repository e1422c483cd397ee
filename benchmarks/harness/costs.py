"""The rows' costs: size, and latency timed in turns with full SRNet and XuNet."""

import json
import os
import time

import numpy as np

from benchmarks.harness.seeds import stage_folder
from keras_sasrnet import atomic, models
from keras_sasrnet.train import run


def costs(c, task_dir, paths, log=print):
    """{row key: latency figures} of the models at ``paths`` ({key: .keras}).

    Per row, a stage under task_dir/costs/<name> (rerun a row by deleting
    its folder): the model at report.latency_size, with bench.litert its
    float32 and int8 ``.tflite`` (float stem; calibrated on random images:
    for timing, the work does not depend on the values) and their sizes.
    Then every row is timed in turns in one process, full SRNet and XuNet
    among them, so that the ratios hold on a busy machine: batch-1 Keras
    (``latency_ms``) and LiteRT float32 and int8 (``litert_ms``,
    ``litert_int8_ms``), median of at least 21 calls each. The timings are
    kept in task_dir/costs/timings.json for the same rows (delete it to
    time again).
    """
    from keras_sasrnet import profile
    from keras_sasrnet.export import convert, latency

    side = c.report.latency_size
    size = (side, side)
    out, folders = {}, {}
    for key, path in paths.items():
        name = "full" if key[0] == "full" else stage_folder(*key)
        name = name if key[0] != "xunet" else "xunet"
        folder = folders[key] = os.path.join(task_dir, "costs", name)
        done = os.path.join(folder, run.DONE)
        if not os.path.exists(done):
            log(f"== costs of {name}")
            start = time.perf_counter()
            at = models.io.reinput(models.load(path), size)
            m = {
                "latency_size": side,
                "weight_bytes": int(sum(w.nbytes for w in at.get_weights())),
            }
            if c.bench.litert:
                rng = np.random.default_rng(0)
                images = rng.uniform(0, 255, (8, *size, 1)).astype(np.float32)
                for mode in ("float32", "int8"):
                    lite = os.path.join(folder, f"model_{mode}.tflite")
                    m[f"tflite_{mode}_bytes"] = convert.export_tflite(
                        at, lite, mode, size, images
                    )
            m["seconds"] = round(time.perf_counter() - start, 1)  # stage time
            os.makedirs(folder, exist_ok=True)
            atomic.write_json(done, m)
        with open(done) as f:
            out[key] = json.load(f)
    timings = os.path.join(task_dir, "costs", "timings.json")
    names = [os.path.basename(folders[k]) for k in paths]
    saved = {}
    if os.path.exists(timings):
        with open(timings) as f:
            saved = json.load(f)
    if saved.get("rows") != names:
        log(f"== timing {len(names)} models in turns")
        repeats = max(21, c.report.latency_repeats)
        keras_models = [models.io.reinput(models.load(paths[k]), size) for k in paths]
        saved = {
            "rows": names,
            "latency_ms": profile.latencies(keras_models, size, repeats=repeats),
        }
        if c.bench.litert:
            for mode, field in (("float32", "litert_ms"), ("int8", "litert_int8_ms")):
                files = [
                    os.path.join(folders[k], f"model_{mode}.tflite") for k in paths
                ]
                saved[field] = latency.file_latencies(files, size, rounds=repeats)
        atomic.write_json(timings, saved)
    for k, key in enumerate(paths):
        for field in ("latency_ms", "litert_ms", "litert_int8_ms"):
            if field in saved:
                out[key][field] = saved[field][k]
    return out
