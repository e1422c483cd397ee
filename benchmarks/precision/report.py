"""The precision study's README, made from its rows alone."""

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = "python -m benchmarks.precision.run --report_only"
GPU_COMMAND = (
    "KERAS_BACKEND=jax python -m benchmarks.precision.run --data=.gpu/precision.npz"
    " --steps=4000 --eval_every=500 --modes=float32,mixed_bfloat16,tf32"
)


def readme(folder):
    """README.md from ``folder/rows.json``."""
    rows = study.load(folder)
    table = markdown.table(
        [
            "device",
            "backend",
            "SRNet width",
            "stem",
            "precision",
            "iterations",
            "best val",
            "val per eval",
            "seconds",
        ],
        [
            [
                r["device"],
                r["backend"],
                f"{r['width']:g}",
                r.get("stem_init", "he_normal"),
                r["precision"],
                f"{r['steps']:,}",
                f"{r['best_val'] * 100:.2f} %",
                ", ".join(f"{a * 100:.1f}" for _, a in r["curve"]),
                f"{r['seconds']:.0f}",
            ]
            for r in rows
        ],
    )
    table += _differences(rows)
    commands = sorted({r["command"] for r in rows if r.get("command")})
    if commands:
        table += "\n\nMade by:\n\n" + "\n".join(f"- `{c}`" for c in commands)
    return (
        study.header(COMMAND) + "# Convolution precision and SRNet training\n\n"
        "Demo task (64x64 crops of scikit-image photographs, split by photo), LSB\n"
        "matching 0.4 bpp, SRNet, Adamax 1e-3, 16 pairs per batch; one seed per\n"
        "row, every precision from the same seed; `best val`: the best of the\n"
        "validations (52 pairs, 104 images: one image is about 1 pp).\n\n"
        + table
        + "\n\nTF32 exists on GPUs only (on a CPU `tf32` is float32); the GPU\n"
        "rows come from `benchmarks/device/gpu_checks.sh` on a lent machine\n"
        f"(`{GPU_COMMAND}`), the CPU rows from the commands above; the\n"
        "data file of either: `python -m benchmarks.precision.run "
        "--make_data=FILE`.\n"
    )


def _differences(rows):
    """Each precision's best val against float32's of the same setting
    (device, backend, width, stem, iterations)."""

    def setting(r):
        stem = r.get("stem_init", "he_normal")
        return (r["device"], r["backend"], r["width"], stem, r["steps"])

    lines = []
    for r in rows:
        base = [
            b for b in rows if b["precision"] == "float32" and setting(b) == setting(r)
        ]
        if r["precision"] == "float32" or not base:
            continue
        diff = r["best_val"] - base[0]["best_val"]
        lines.append(
            f"- {r['device']}, width {r['width']:g}: {r['precision']} "
            f"{100 * diff:+.2f} pp against float32"
        )
    return (
        "\n\nBest val against float32 (one seed each):\n\n" + "\n".join(lines)
        if lines
        else ""
    )
