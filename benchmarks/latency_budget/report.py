"""The latency-budget benchmark's rows so far, as a table (issue 28)."""

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = (
    "python -m benchmarks.latency_budget.run --workdir=/work/exp/bench28/work "
    "--cache=/work/exp/bench28/cache --task=lsbm"
)


def readme(folder):
    """README.md from ``folder/rows.json``: per seed, every row's test
    accuracy in float32 and int8 at each latency budget."""
    rows = study.load(folder)
    full = [r for r in rows if r["method"] in ("full", "xunet")]
    pruned = [r for r in rows if r["method"] not in ("full", "xunet")]
    seeds = sorted({r["seed"] for r in pruned})
    budgets = sorted({r["budget"] for r in pruned}, reverse=True)
    methods = list(dict.fromkeys(r["method"] for r in pruned))
    by = {(r["method"], r["seed"], r["budget"]): r for r in pruned}
    header = ["method"] + [
        f"seed {s}, {b:.0%} budget (float32 / int8)" for s in seeds for b in budgets
    ]
    body = [
        [m]
        + [
            "-"
            if (m, s, b) not in by
            else f"{100 * by[m, s, b]['test']:.2f} / "
            f"{100 * by[m, s, b]['int8_test']:.2f} %"
            for s in seeds
            for b in budgets
        ]
        for m in methods
    ]
    lines = ", ".join(f"{r['method']} {100 * r['test']:.2f} %" for r in full)
    return study.header(COMMAND) + (
        "# Slimming to a latency budget: the benchmark's rows so far (issue 28)\n\n"
        f"Task {rows[0]['task']}; full models (trained once): {lines}. Budgets "
        "are fractions of full SRNet's LiteRT float32 latency as "
        "benchmarks/latency/table.json predicts it; test accuracy of each "
        "seed's model, float32 and int8 (float stem). The benchmark's own "
        "report (means, spreads, measured latency) comes when all seeds are "
        "done.\n\n" + markdown.table(header, body) + "\n"
    )
