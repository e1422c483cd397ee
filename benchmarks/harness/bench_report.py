"""The benchmark's report: BENCHMARKS.md, summary.json and figures.

``write`` puts together the rows (``rows``), the tables (``tables``), the
targets of issue 13 (``targets``) and 28 (``latency_report``) and the
figures (``figures``).
"""

import os
import platform

from benchmarks.harness import figures, latency_report
from benchmarks.harness.budgets import baseline_recipe, method_recipe
from benchmarks.harness.rows import label, rows, summary
from benchmarks.harness.tables import paper_table, photo_table, table, verdicts
from benchmarks.harness.targets import targets, time_target
from keras_sasrnet import atomic

# why the recipe is what it is, written by hand: the report's last section
HISTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "history.md")

__all__ = [
    "baseline_recipe",
    "label",
    "method_recipe",
    "photo_table",
    "rows",
    "summary",
    "table",
    "targets",
    "time_target",
    "verdicts",
    "write",
]


def machine():
    """One line about where the figures were measured."""
    import tensorflow as tf

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU "
        f"cores, Python {platform.python_version()}, TensorFlow {tf.__version__}"
    )


def write(workdir, tasks, command, minutes, c):
    """Writes BENCHMARKS.md, summary.json and figures/; returns the text."""
    os.makedirs(os.path.join(workdir, "figures"), exist_ok=True)
    figures.curves_figure(
        tasks, os.path.join(workdir, "figures", "learning_curves.png")
    )
    figures.tradeoff_figure(
        tasks, os.path.join(workdir, "figures", "accuracy_vs_macs.png")
    )
    latency_report.frontier_figure(
        [(t["task"], rows(t)) for t in tasks],
        os.path.join(workdir, "figures", "accuracy_vs_latency.png"),
    )
    atomic.write_json(os.path.join(workdir, "summary.json"), summary(tasks))
    parts = _header(c, command, minutes)
    first = c.bench.methods[0]
    b = c.bench
    for task in tasks:
        rs = rows(task)
        parts += [
            f"## {task['task']} {b.payload:g} bpp ({task['test_photos']} test photos)",
            "",
            table(rs),
            "",
            "### Targets (issue 13)",
            "",
            targets(rs),
            "",
            "### Speed: LiteRT float32 and int8 (issue 28)",
            "",
            latency_report.speed_table(rs),
            "",
            latency_report.targets(rs),
            "",
            "### Against the baselines",
            "",
            verdicts(rs) or "No baseline rows.",
            "",
            f"### Test accuracy (%) per test photo, seed {b.seeds[0]}",
            "",
            photo_table(rs, task["photos"]),
            "",
        ]
        if c.prune.select != "latency":  # the paper's rows are channel rates
            parts += [
                f"### Against the paper's Table 5 ({label(first)})",
                "",
                paper_table(rs, first),
                "",
            ]
    with open(HISTORY) as f:
        parts += [f.read()]
    text = "\n".join(parts)
    atomic.write_text(os.path.join(workdir, "BENCHMARKS.md"), text)
    return text


def _header(c, command, minutes):
    """The report's first lines: command, machine, time, recipe, figures."""
    b = c.bench
    parts = [
        "# Benchmarks: sparsity methods and baselines on two tasks",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine()}  ",
        f"Time: {minutes:.0f} min of stage time in all, summed over invocations "
        "(the full models' training included, whichever run trained them; "
        "making the covers and stegos not included). " + time_target(minutes),
        "",
        f"Data: {b.source} covers, {c.bench.photo_size}x{c.bench.photo_size} tiles "
        f"split by photo; payload {b.payload:g} bpp. Full models: "
        f"{c.baseline.steps} iterations, trained once. Every other row: seeds "
        f"{list(b.seeds)}, mean ± sample std over seeds; params, MACs (at "
        "256x256) and batch-1 LiteRT latency (float32, and int8 with a float "
        "stem; 256x256, this CPU, every model timed in turns with full SRNet "
        "and XuNet, median of at least 21 calls) of the first seed's model. "
        + (
            "Rows pruned to a latency budget ('budget 30%': 30 % of the full "
            "SRNet's LiteRT float32 latency as the latency model "
            f"{os.path.relpath(c.latency.table)} predicts it). "
            if c.prune.select == "latency"
            else ""
        )
        + f"Methods: {method_recipe(c)}; {baseline_recipe(c)}",
        "",
        "![learning curves](figures/learning_curves.png)",
        "",
        "![test accuracy against MACs](figures/accuracy_vs_macs.png)",
        "",
        "![test accuracy against LiteRT latency](figures/accuracy_vs_latency.png)",
        "",
    ]
    return parts
