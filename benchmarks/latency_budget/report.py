"""The latency-budget benchmark's rows so far, as a table (issue 28)."""

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = (
    "python -m benchmarks.latency_budget.run --workdir=WORK "
    "--cache=/work/exp/bench28/cache --task=TASK"
)
# The benchmark's work folder each task's rows were collected from
WORKDIRS = {"lsbm": "/work/exp/bench28/work", "hill": "/work/exp/bench29/work"}


def readme(folder):
    """README.md from ``folder/rows.json``: per task and seed, every row's test
    accuracy in float32 and int8 at each latency budget."""
    rows = study.load(folder)
    parts = [
        "# Slimming to a latency budget: the benchmark's rows per seed (issue 28)\n\n"
        "Budgets are fractions of full SRNet's LiteRT float32 latency as "
        "benchmarks/latency/table.json predicts it; test accuracy of each "
        "seed's model, float32 and int8 (float stem). A method ending in "
        "`/score` prunes the same sparse model in plain |gamma| order to the "
        "budget instead of the knapsack (score per ms). The benchmark's own "
        "report (means, spreads, measured latency, verdicts) is "
        "benchmarks/slimming/README.md. WORK: "
        + ", ".join(f"`{w}` for {t}" for t, w in WORKDIRS.items())
        + ".\n"
    ]
    for task in dict.fromkeys(r["task"] for r in rows):
        parts.append(_task_table([r for r in rows if r["task"] == task], task))
    return study.header(COMMAND) + "\n".join(parts)


def _task_table(rows, task):
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
    return (
        f"## {task}\n\nFull models (trained once): {lines}.\n\n"
        + markdown.table(header, body)
        + "\n"
    )
