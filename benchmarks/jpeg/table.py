"""The README's JPEG table, from the JSON rows run.sh keeps here.

  python benchmarks/jpeg/table.py

table5.json (sasrnet_slim), eval.json (sasrnet_eval, UERD and the J-UNIWARD
mismatch) and parity.json (sasrnet_export) are copied from the run's folders
by run.sh.
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name):
    with open(os.path.join(HERE, name)) as f:
        return json.load(f)


def markdown():
    table5, evals = _load("table5.json"), _load("eval.json")
    acc = {(r["model"], r["set"]): r for r in evals}
    base, slim = table5[0], table5[-1]
    lines = [
        "| model | pruned | test (UERD) | test (J-UNIWARD, mismatch) | AUC (UERD) "
        "| params | MACs (256x256) |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, row in (("full", base), ("slim", slim)):
        lines.append(
            f"| {row['name']} | {row['rate']:.0%} "
            f"| {acc[key, 'uerd']['accuracy']:.2%} "
            f"| {acc[key, 'juniward']['accuracy']:.2%} "
            f"| {acc[key, 'uerd']['auc']:.3f} | {row['params']:,} "
            f"| {row['macs'] / 1e9:.3f} G |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
