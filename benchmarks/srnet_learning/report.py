"""The srnet_learning study's README and figure, made from its rows alone."""

import os

import numpy as np

from benchmarks import study
from keras_sasrnet import atomic, markdown

COMMAND = (
    "python -m benchmarks.srnet_learning.run --covers=/work/cache/photos64 "
    "--workdir=/work/exp/srnet_learning "
    "--arms=xunet,plain,curriculum,high_pass,zero_mean"
)


def readme(folder):
    """README.md from ``folder/rows.json``."""
    rows = study.load(folder)
    table = markdown.table(
        ["arm", "model", "60 % val reached at", "best val", "test", "minutes"],
        [
            [
                r["arm"],
                r["arch"],
                r["left_plateau_at"] or f"not in {r['steps']}",
                f"{100 * r['val_best']:.2f} %",
                f"{100 * r['test_accuracy']:.2f} %",
                f"{r['seconds'] / 60:.0f}",
            ]
            for r in rows
        ],
    )
    return study.header(COMMAND) + (
        "# SRNet's plateau: what gets it learning on 2 cores\n\n"
        + table
        + "\n\nOne seed per arm. `60 % val reached at`: the first validation "
        "(every `every` iterations) at or above 60 %; `test`: the test photos' "
        "accuracy of the best validation epoch; `minutes`: wall-clock, on 2 "
        "cores that other jobs may have shared.\n\n![curves](curves.png)\n"
    )


def figure(folder):
    """curves.png from ``folder/rows.json``."""
    rows = study.load(folder)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for r in rows:
        x = r["every"] * np.arange(1, len(r["curve"]) + 1)
        ax.plot(x, 100 * np.asarray(r["curve"]), label=r["arm"])
    ax.set(xlabel="iteration", ylabel="validation accuracy (%)", ylim=(45, 100))
    ax.legend()
    fig.tight_layout()
    with atomic.replacing(os.path.join(folder, "curves.png"), ".png") as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)
