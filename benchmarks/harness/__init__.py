"""The performance proof (``python -m benchmarks.slimming``): slimming vs baselines.

``runner`` trains and measures every row (resumable stages), ``report``
turns the per-seed figures into BENCHMARKS.md, ``gpu`` times training on
GPUs where there are any. This package sits on top of the others: it uses
training, evaluation and export alike.
"""

from benchmarks.harness.bench_report import (
    BASELINES,
    LABELS,
    RANKINGS,
    aggregate,
    paper_table,
    photo_table,
    table,
    verdicts,
)
from benchmarks.harness.runner import check, per_photo, run_bench

__all__ = [
    "BASELINES",
    "LABELS",
    "RANKINGS",
    "aggregate",
    "check",
    "paper_table",
    "per_photo",
    "photo_table",
    "run_bench",
    "table",
    "verdicts",
]
