"""The backends study's README, made from its rows alone."""

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = (
    "python -m benchmarks.backends.run --config=configs/demo.py "
    "--backends=tensorflow,jax"
)


def readme(folder):
    """README.md from ``folder/rows.json``."""
    rows = study.load(folder)
    base = {r["config"]: r["seconds"] for r in rows if r["backend"] == "tensorflow"}
    body = []
    for r in rows:
        accs = ", ".join(
            f"{row['name']} {100 * row['val_accuracy']:.2f} %" for row in r["table5"]
        )
        ratio = base.get(r["config"])
        body.append(
            [
                r["backend"],
                r["config"],
                f"{r['seconds']:.0f}",
                "-" if not ratio else f"{r['seconds'] / ratio:.2f}x",
                accs,
            ]
        )
    return study.header(COMMAND) + (
        "# The demo under each Keras backend\n\n"
        "Generated from `rows.json` by `python -m benchmarks.backends.run` "
        "(one fresh process per backend, demo data cached; wall-clock).\n\n"
        + markdown.table(
            ["backend", "config", "seconds", "time vs TensorFlow", "val accuracy"],
            body,
        )
        + "\n"
    )
