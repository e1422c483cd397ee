"""The benchmark's README, made from its rows.json alone."""

from benchmarks.harness.bench_report import publish, readme

__all__ = ["publish", "readme"]
