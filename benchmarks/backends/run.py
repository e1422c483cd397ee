"""The demo's whole pipeline under each Keras backend, timed (issue 14).

  python -m benchmarks.backends.run --config=configs/demo.py --backends=tensorflow,jax

Runs ``sasrnet_slim --config=CONFIG`` in a fresh process per backend
(``KERAS_BACKEND``), each in its own temporary work folder, with the demo
data already cached (``--warm`` makes them first, untimed). Records the
wall-clock seconds and the run's validation accuracies, so that a fast
backend that learns something else shows. Writes rows.json and README.md here (merged by
backend and config).
"""

import json
import os
import platform
import subprocess
import tempfile
import time

from absl import flags

from benchmarks import study
from benchmarks.backends.report import readme
from keras_sasrnet import cli

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = flags.FLAGS
flags.DEFINE_string("config", "configs/demo.py", "sasrnet_slim config file.")
flags.DEFINE_list("backends", ["tensorflow", "jax"], "Keras backends to time.")
flags.DEFINE_string("out", HERE, "Folder for rows.json and README.md.")
flags.DEFINE_bool("report_only", False, "Remake README.md from rows.json only.")
flags.DEFINE_bool(
    "warm",
    False,
    "Run once untimed first, to make and cache the demo data (skip it when "
    "the demo has run on this machine before).",
)


def run_one(backend, config, work):
    env = dict(os.environ, KERAS_BACKEND=backend)
    command = ["sasrnet_slim", f"--config={config}", f"--workdir={work}"]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{backend}: exit {done.returncode}\n{done.stderr[-3000:]}")
    with open(os.path.join(work, "table5.json")) as f:
        rows = json.load(f)
    return {
        "backend": backend,
        "config": config,
        "seconds": round(seconds, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "table5": rows,
    }


def main(argv):
    del argv
    if not FLAGS.report_only:
        with tempfile.TemporaryDirectory() as tmp:
            if FLAGS.warm:  # so that no backend pays for making the demo data
                run_one(FLAGS.backends[0], FLAGS.config, os.path.join(tmp, "warm"))
            for backend in FLAGS.backends:
                row = run_one(backend, FLAGS.config, os.path.join(tmp, backend))
                print(json.dumps({k: v for k, v in row.items() if k != "table5"}))
                study.merge(FLAGS.out, [row], lambda r: (r["backend"], r["config"]))
    print(study.publish(FLAGS.out, readme))


if __name__ == "__main__":
    cli.start(main)
