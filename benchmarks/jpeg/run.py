"""The paper's JPEG setting as a user runs it (issue 18): run.sh, then rows.

  python -m benchmarks.jpeg.run --workdir=work/jpeg

Runs ``run.sh`` (photo tiles -> JPEG QF 75 covers -> UERD and J-UNIWARD
stegos -> the demo's schedule -> evaluation -> export; every step resumable)
unless --report_only, then makes rows.json from the JSON files it keeps here
and README.md from the rows.
"""

import json
import os
import subprocess

from absl import flags

from benchmarks import study
from benchmarks.jpeg.report import readme
from keras_sasrnet import cli

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", "work/jpeg", "Folder of the run (resumed).")
flags.DEFINE_float("payload", 1.0, "UERD and J-UNIWARD payload (bpnzAC).")
flags.DEFINE_bool("report_only", False, "Remake rows.json and README.md only.")


def _load(name):
    with open(os.path.join(HERE, name)) as f:
        return json.load(f)


def rows():
    """One row per model (full, slimmed) from the run's JSON files."""
    table5, evals = _load("table5.json"), _load("eval.json")
    acc = {(r["model"], r["set"]): r for r in evals}
    out = []
    for key, row in (("full", table5[0]), ("slim", table5[-1])):
        out.append(
            {
                "model": key,
                "name": row["name"],
                "rate": row["rate"],
                "test_uerd": acc[key, "uerd"]["accuracy"],
                "test_juniward": acc[key, "juniward"]["accuracy"],
                "auc_uerd": acc[key, "uerd"]["auc"],
                "params": row["params"],
                "macs": row["macs"],
            }
        )
    return out


def main(argv):
    del argv
    if not FLAGS.report_only:
        script = os.path.join(HERE, "run.sh")
        subprocess.run(
            ["bash", script, FLAGS.workdir, f"{FLAGS.payload:g}"], check=True
        )
    study.merge(HERE, rows(), lambda r: r["model"])
    print(study.publish(HERE, readme))


if __name__ == "__main__":
    cli.start(main)
