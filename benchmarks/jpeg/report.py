"""The JPEG study's README, made from its rows alone."""

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = "python -m benchmarks.jpeg.run --workdir=work/jpeg"


def table(rows):
    """The full and the slimmed model: UERD and the J-UNIWARD mismatch."""
    return markdown.table(
        ["model", "pruned", "test (UERD)", "test (J-UNIWARD, mismatch)"]
        + ["AUC (UERD)", "params", "MACs (256x256)"],
        [
            [
                r["name"],
                f"{r['rate']:.0%}",
                f"{r['test_uerd']:.2%}",
                f"{r['test_juniward']:.2%}",
                f"{r['auc_uerd']:.3f}",
                f"{r['params']:,}",
                f"{r['macs'] / 1e9:.3f} G",
            ]
            for r in rows
        ],
    )


def readme(folder):
    """README.md from ``folder/rows.json``."""
    return study.header(COMMAND) + (
        "# The paper's JPEG setting, end to end on CPU (issue 18)\n\n"
        "Photo tiles -> JPEG QF 75 covers (split by photo) -> UERD stegos at "
        "1.0 bpnzAC (and J-UNIWARD for the mismatch test) -> the demo's "
        "slimming schedule (XuNet) -> `sasrnet_eval` -> `sasrnet_export`, "
        "each step a command of `run.sh`; the rows come from the run's "
        "`table5.json`, `eval.json` and `parity.json`, kept here.\n\n"
        + table(study.load(folder))
        + "\n"
    )
