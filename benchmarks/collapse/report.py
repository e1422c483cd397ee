"""The collapse study's README: its findings around the table of its rows."""

import os

from benchmarks import study

COMMAND = "python -m benchmarks.collapse.run (the commands below)"
# the findings, written by hand around the table of the rows
FINDINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "findings.md")


def _keyed(row):
    """A row with its task, seed and penalty (rows from before they were
    recorded: LSBM seed 1, penalty off)."""
    return {"task": "lsbm", "seed": 1, "penalty": False, **row}


def readme(folder):
    """README.md: findings.md with its ``{table}`` made from rows.json."""
    rows = study.load(folder)
    lines = [
        "| task | seed | penalty | floor | params | lr | iteration "
        "| train accuracy | validation accuracy |"
    ]
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for row in map(_keyed, rows):
        lines.append(
            f"| {row['task']} | {row['seed']} | {'kept' if row['penalty'] else 'off'} "
            f"| {row['min_channels']} | {row['params']:,} "
            f"| {row['lr']:g} | {row['iteration']} | {100 * row['accuracy']:.2f} % "
            f"| {100 * row['val_accuracy']:.2f} % |"
        )
    with open(FINDINGS) as f:
        template = f.read()
    return study.header(COMMAND) + template.replace("{table}", "\n".join(lines))
