"""The round_to study's README, made from its rows alone."""

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = "python -m benchmarks.round_to.run --target=cpu"


def readme(folder):
    """README.md from ``folder/rows.json``."""
    rows = study.load(folder)
    sections = []
    for target, figures in (
        ("cpu", [("keras_ms", "Keras b1 ms"), ("litert_ms", "LiteRT b1 ms")]),
        (
            "gpu",
            [
                ("infer_images_per_s", "inference img/s"),
                ("train_images_per_s", "training img/s"),
            ],
        ),
    ):
        for device in sorted({r["device"] for r in rows if r["target"] == target}):
            own = [r for r in rows if (r["target"], r["device"]) == (target, device)]
            base = own[0]
            table = markdown.table(
                ["variant", "params", "MACs", *[f"{t} (x full)" for _, t in figures]],
                [
                    [
                        r["variant"],
                        f"{100 * r['params'] / base['params']:.1f} %",
                        f"{100 * r['macs'] / base['macs']:.1f} %",
                        *[
                            f"{r[k]:.1f} ({_speedup(k, r[k], base[k]):.2f}x)"
                            for k, _ in figures
                        ],
                    ]
                    for r in own
                ],
            )
            sections.append(
                f"## {target}: {device} ({own[0]['backend']} backend)\n\n{table}\n"
            )
    return study.header(COMMAND) + (
        "# round_to: odd widths or multiples of 8\n\n"
        "SRNet at 256x256, random gammas, slimmed at each rate with `round_to` "
        "1 and 8. Generated from `rows.json` by `python -m "
        "benchmarks.round_to.run` (see its docstring for the two targets).\n\n"
        + "\n".join(sections)
    )


def _speedup(key, value, base):
    """How many times faster than full SRNet (ms: lower is better)."""
    return base / value if key.endswith("_ms") else value / base
