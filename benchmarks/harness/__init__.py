"""The performance proof (``python -m benchmarks.slimming``): slimming vs baselines.

``benchmark`` runs the tasks (resumable stages): ``tasks`` makes each task's
data and full models, ``seeds`` every row of a seed, ``costs`` times them;
``bench_report`` keeps the rows (rows.json) and makes README.md,
summary.json and figures from them with
``rows``, ``tables``, ``targets``, ``latency_report`` and ``figures``;
``baselines`` prunes by L1 norm or at random and sizes a thinner network;
``config`` is the benchmark's config and its check.
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
from benchmarks.harness.benchmark import check, parse_method, run_bench

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
