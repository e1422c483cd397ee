"""The benchmark's report: README.md, summary.json and figures, from rows.json.

``record`` is what the benchmark keeps of a finished run (rows.json);
``readme`` makes the README from it alone, ``publish`` the README, the
figures and summary.json. ``text`` puts together the rows (``rows``), the
tables (``tables``), the targets of issue 13 (``targets``) and 28
(``latency_report``); ``figures`` draws.
"""

import os
import platform

from benchmarks import study
from benchmarks.harness import figures, latency_report
from benchmarks.harness.budgets import baseline_recipe, method_recipe
from benchmarks.harness.rows import label, rows, summary
from benchmarks.harness.tables import paper_table, photo_table, table, verdicts
from benchmarks.harness.targets import targets, time_target, time_verdict
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
    "load",
    "publish",
    "readme",
    "record",
    "text",
]


def repo_path(path):
    """``path`` relative to the repository when it is inside it (as the
    report shows it wherever the repository is checked out), else as is."""
    if not path:
        return ""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rel = os.path.relpath(os.path.abspath(path), root)
    return path if rel.startswith("..") else rel


def machine():
    """One line about where the figures were measured."""
    import tensorflow as tf

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU "
        f"cores, Python {platform.python_version()}, TensorFlow {tf.__version__}"
    )


def record(tasks, c, command, minutes):
    """The benchmark's rows.json: everything its report is made from (the
    task dicts with their (method, rate) keys as lists, the config, the
    command, the stage minutes, the machine)."""
    return {
        "command": command,
        "minutes": minutes,
        "machine": machine(),
        "latency_table": repo_path(c.latency.table),
        "config": c.to_dict(),
        "tasks": [
            {
                **t,
                **{k: _listed(t[k]) for k in KEYED},
                "per_seed": [_listed(s) for s in t["per_seed"]],
            }
            for t in tasks
        ],
    }


KEYED = ("costs", "photos")  # task fields keyed by (method, rate)


def _listed(d):
    """{(method, rate): v} -> [{"method", "rate", "value"}] for JSON."""
    return [{"method": k[0], "rate": k[1], "value": v} for k, v in d.items()]


def _keyed(items):
    return {(i["method"], i["rate"]): i["value"] for i in items}


def load(folder):
    """``folder/rows.json`` with its task dicts keyed by (method, rate) again."""
    import ml_collections

    rec = study.load(folder)
    tasks = [
        {
            **t,
            **{k: _keyed(t[k]) for k in KEYED},
            "per_seed": [_keyed(s) for s in t["per_seed"]],
        }
        for t in rec["tasks"]
    ]
    return {**rec, "tasks": tasks, "config": ml_collections.ConfigDict(rec["config"])}


def readme(folder):
    """README.md from ``folder/rows.json`` alone (a pure function of it)."""
    rec = load(folder)
    return study.header(rec["command"]) + text(
        rec["tasks"],
        rec["config"],
        rec["command"],
        rec["minutes"],
        rec["machine"],
        rec.get("latency_table", ""),
    )


def publish(folder, summary_path=None):
    """Writes README.md, config.json, figures/ and summary.json (to
    ``summary_path``, default ``folder/summary.json``) from
    ``folder/rows.json``; returns the README text."""
    rec = load(folder)
    tasks = rec["tasks"]
    os.makedirs(os.path.join(folder, "figures"), exist_ok=True)
    figures.curves_figure(tasks, os.path.join(folder, "figures", "learning_curves.png"))
    figures.tradeoff_figure(
        tasks, os.path.join(folder, "figures", "accuracy_vs_macs.png")
    )
    latency_report.frontier_figure(
        [(t["task"], rows(t)) for t in tasks],
        os.path.join(folder, "figures", "accuracy_vs_latency.png"),
    )
    atomic.write_json(
        summary_path or os.path.join(folder, "summary.json"), summary(tasks)
    )
    atomic.write_json(os.path.join(folder, "config.json"), rec["config"].to_dict())
    return study.publish(folder, readme)


def text(tasks, c, command, minutes, machine_line, table_name=""):
    """The report's markdown: per task, the tables, targets and verdicts."""
    parts = _header(c, command, minutes, machine_line, table_name, tasks)
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
    return "\n".join(parts)


def _task_times(tasks, minutes):
    """Each task's time against the 3 hours of one command per task (the
    whole run's where the rows have no per-task minutes)."""
    timed = [t for t in tasks if t.get("minutes") is not None]
    if not timed:
        return time_target(minutes)
    each = [
        f"{t['task']} {t['minutes']:.0f} min, {time_verdict(t['minutes'])}"
        for t in timed
    ]
    return "Per task (one command each, within 180 min on 2 cores): " + (
        "; ".join(each) + "."
    )


def _header(c, command, minutes, machine_line, table_name, tasks=()):
    """The report's first lines: command, machine, time, recipe, figures."""
    b = c.bench
    parts = [
        "# Benchmarks: sparsity methods and baselines on two tasks",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_line}  ",
        f"Time: {minutes:.0f} min of stage time in all, summed over invocations "
        "(this config's stages only; the full models' training included, "
        "whichever run trained them; making the covers and stegos not "
        "included). " + _task_times(tasks, minutes),
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
            f"{table_name} predicts it). "
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
