"""The README's compact benchmark tables, written from summary.json.

python -m benchmarks.summary_table benchmarks/summary.json
python -m benchmarks.summary_table benchmarks/summary.json 0.7

With a rate (a latency budget's cut: 0.7 is a budget of 30 %), the latency
table of that budget: float32 and int8 test accuracy and LiteRT latency of
every row, full SRNet and XuNet first.
"""

import json
import sys

from benchmarks.harness.rows import label

NAMES = {
    "full": "SRNet, no slimming",
    "xunet": "XuNet, no slimming",
    "l1": "L1-norm",
    "random": "random",
    "uniform": "uniformly thinner, from scratch",
}


def table(summary):
    """Markdown rows: per task, XuNet's accuracy, then every summary row."""
    lines = [
        "| task | row | test accuracy | params | MACs (256²) | LiteRT ms (b1, 256²) |",
        "|---|---|---|---|---|---|",
    ]
    for task, t in summary["tasks"].items():
        base = t["rows"][0]
        if not any(r["method"] == "xunet" for r in t["rows"]):  # older summaries
            xunet = 100 * t["xunet_full_test"]
            lines.append(f"| {task} | XuNet, no slimming | {xunet:.2f} % | | | |")
        for r in t["rows"]:
            name = NAMES.get(r["method"], "SASRNet (MAC-weighted group lasso)")
            rate = f" {r['rate']:.0%}" if r["rate"] else ""
            trained_once = r["method"] in ("full", "xunet")
            std = "" if trained_once else f" ± {100 * r['test_std']:.2f}"
            ms = f"{r['litert_ms']:.1f}" if r["litert_ms"] else "-"
            params = f"{r['params']:,} ({100 * r['params'] / base['params']:.2f} %)"
            macs = f"{r['macs'] / 1e9:.3f} G ({100 * r['macs'] / base['macs']:.1f} %)"
            lines.append(
                f"| {task} | {name}{rate} | {100 * r['test_mean']:.2f}{std} % "
                f"| {params} | {macs} | {ms} |"
            )
    return "\n".join(lines)


def _pct(mean, std=None):
    return f"{100 * mean:.2f} %" if not std else f"{100 * mean:.2f} ± {100 * std:.2f} %"


def latency_table(summary, rate):
    """Markdown rows: per task, the rows at ``rate`` beside full SRNet and XuNet."""
    lines = [
        f"| task | row ({1 - rate:.0%} latency budget) | test float32 | test int8 "
        "| LiteRT float32 ms | LiteRT int8 ms |",
        "|---|---|---|---|---|---|",
    ]
    for task, t in summary["tasks"].items():
        full = t["rows"][0]["litert_ms"]
        for r in t["rows"]:
            if r["method"] not in ("full", "xunet") and r["rate"] != rate:
                continue
            int8 = r.get("int8_test_mean")
            lines.append(
                f"| {task} | {label(r['method']).replace('|', chr(92) + '|')} "
                f"| {_pct(r['test_mean'], r['test_std'])} "
                f"| {'' if int8 is None else _pct(int8, r.get('int8_test_std'))} "
                f"| {r['litert_ms']:.1f} ({full / r['litert_ms']:.2f}x) "
                f"| {r['litert_int8_ms']:.1f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/summary.json") as f:
        summary = json.load(f)
    if len(sys.argv) > 2:
        print(latency_table(summary, float(sys.argv[2])))
    else:
        print(table(summary))
