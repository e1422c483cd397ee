"""The performance proof (``python -m benchmarks.slimming``): slimming vs baselines.

``runner`` trains and measures every row of every task (resumable stages),
``bench_report`` turns them into BENCHMARKS.md, summary.json and figures,
``baselines`` prunes by L1 norm or at random and sizes a thinner network.
This package sits on top of the others: it uses data, training, evaluation
and export alike.
"""

from benchmarks.harness.bench_report import (
    baseline_recipe,
    label,
    photo_table,
    rows,
    summary,
    table,
    targets,
    verdicts,
)
from benchmarks.harness.runner import check, parse_method, run_bench

__all__ = [
    "baseline_recipe",
    "check",
    "label",
    "parse_method",
    "photo_table",
    "rows",
    "run_bench",
    "summary",
    "table",
    "targets",
    "verdicts",
]
