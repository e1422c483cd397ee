"""The precision study's README, made from its rows alone."""

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = (
    "KERAS_BACKEND=jax python -m benchmarks.precision.run --data=.gpu/precision.npz"
    " --steps=4000 --eval_every=500 --modes=float32,mixed_bfloat16,tf32"
)


def readme(folder):
    """README.md from ``folder/rows.json``."""
    rows = study.load(folder)
    table = markdown.table(
        ["device", "backend", "precision", "iterations", "best val", "val per eval"],
        [
            [
                r["device"],
                r["backend"],
                r["precision"],
                f"{r['steps']:,}",
                f"{r['best_val'] * 100:.2f} %",
                ", ".join(f"{a * 100:.1f}" for _, a in r["curve"]),
            ]
            for r in rows
        ],
    )
    return (
        study.header(COMMAND) + "# Convolution precision and SRNet training\n\n"
        "Demo task (64x64 crops of scikit-image photographs, split by photo), LSB\n"
        "matching 0.4 bpp, SRNet, Adamax 1e-3, 16 pairs per batch; one seed per\n"
        "row, every precision from the same seed.\n\n" + table + "\n"
    )
