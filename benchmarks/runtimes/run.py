"""Which runtime on this CPU: LiteRT (float32, int8) against ONNX Runtime.

  python -m benchmarks.runtimes.run --workdir=work/runtimes

Full SRNet, SRNet slimmed to a third of its predicted LiteRT latency
(``slimming.budget_plan`` under ``benchmarks/latency/table.json``, seeded
random gammas: the work a CPU does does not depend on trained weights) and
XuNet, at 256x256: LiteRT float32, LiteRT int8 (float stem, calibrated on
random images) and ONNX Runtime float32 (spinning off), batch 1 and 16,
every file timed in turns in one process per batch size (median of
--rounds calls). Writes rows.json and README.md (generated from the rows)
in --out; the converted files stay in --workdir.
"""

import hashlib
import os

import numpy as np
from absl import flags

from benchmarks import study
from benchmarks.runtimes.report import readme
from keras_sasrnet import cli, models, slimming
from keras_sasrnet.latency import LatencyModel

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = (256, 256)
TABLE = os.path.join(os.path.dirname(HERE), "latency", "table.json")

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", "work/runtimes", "Folder of the converted files.")
flags.DEFINE_string("out", HERE, "Folder of rows.json and README.md.")
flags.DEFINE_integer("rounds", 21, "Timed calls per file (median), in turns.")
flags.DEFINE_list("batches", ["1", "16"], "Batch sizes to time.")
flags.DEFINE_bool("report_only", False, "Remake README.md from rows.json only.")


def detectors():
    full = slimming.randomize_gammas(models.srnet((*SIZE, 1)), seed=0)
    table = LatencyModel.load(TABLE)
    plan = slimming.budget_plan(full, table, table.predict(full) / 3)
    return {
        "SRNet (full)": full,
        "SRNet, 1/3 latency budget": slimming.rebuild(full, plan),
        "XuNet": models.xunet((*SIZE, 1)),
    }


def convert_all(workdir):
    from keras_sasrnet.export import convert

    os.makedirs(workdir, exist_ok=True)
    calibration = np.random.default_rng(0).uniform(0, 255, (8, *SIZE, 1))
    files = []
    for k, (name, model) in enumerate(detectors().items()):
        for runtime in ("litert float32", "litert int8", "onnxruntime float32"):
            ext = ".onnx" if runtime.startswith("onnx") else ".tflite"
            widths = [lay.filters for lay in model.layers if hasattr(lay, "filters")]
            tag = hashlib.sha256(str(widths).encode()).hexdigest()[:8]
            path = os.path.join(workdir, f"m{k}-{tag}_{runtime.split()[-1]}{ext}")
            if not os.path.exists(path):
                print(f"converting {name}, {runtime}", flush=True)
                if ext == ".onnx":
                    convert.export_onnx(model, path, SIZE)
                else:
                    mode = runtime.split()[-1]
                    convert.export_tflite(
                        model, path, mode, SIZE, calibration.astype(np.float32)
                    )
            files.append({"model": name, "runtime": runtime, "path": path})
    return files


def main(argv):
    del argv
    from keras_sasrnet.export.latency import file_latencies

    if not FLAGS.report_only:
        files = convert_all(FLAGS.workdir)
        rows = []
        for batch in (int(b) for b in FLAGS.batches):
            print(f"timing {len(files)} files in turns at batch {batch}", flush=True)
            paths = [f["path"] for f in files]
            times = file_latencies(paths, SIZE, rounds=FLAGS.rounds, batch=batch)
            for f, ms in zip(files, times, strict=True):
                rows.append(
                    {
                        "model": f["model"],
                        "runtime": f["runtime"],
                        "batch": batch,
                        "threads": os.cpu_count(),
                        "ms": round(ms, 3),
                    }
                )
        study.merge(FLAGS.out, rows, lambda r: (r["model"], r["runtime"], r["batch"]))
    print(study.publish(FLAGS.out, readme))


if __name__ == "__main__":
    cli.start(main)
