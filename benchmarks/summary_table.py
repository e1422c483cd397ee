"""The README's compact benchmark table, written from summary.json.

python -m benchmarks.summary_table benchmarks/summary.json
"""

import json
import sys

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


if __name__ == "__main__":
    with open(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/summary.json") as f:
        print(table(json.load(f)))
