"""The runtimes study's README, made from its rows alone."""

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = "python -m benchmarks.runtimes.run --workdir=work/runtimes"


def readme(folder):
    """README.md from ``folder/rows.json``."""
    rows = study.load(folder)
    threads = rows[0].get("threads", 2)
    lines = [
        study.header(COMMAND).rstrip("\n"),
        "",
        "# Runtimes on this CPU: LiteRT against ONNX Runtime (issue 28)",
        "",
        f"256x256 grayscale input, {threads} threads, median ms per call,",
        "every file timed in turns in one process per batch size.",
        "",
    ]
    batches = sorted({r["batch"] for r in rows})
    runtimes = list(dict.fromkeys(r["runtime"] for r in rows))
    header = ["model", "runtime"] + [f"batch {b} (ms/call)" for b in batches]
    table = []
    for model in dict.fromkeys(r["model"] for r in rows):
        for runtime in runtimes:
            cells = [
                f"{r['ms']:.2f}"
                for b in batches
                for r in rows
                if r["model"] == model and r["runtime"] == runtime and r["batch"] == b
            ]
            table.append([model, runtime, *cells])
    lines += markdown.table(header, table).splitlines()
    return "\n".join(lines) + "\n"
