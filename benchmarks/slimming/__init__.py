"""The performance proof: slimming against the baselines on two tasks (a study:
``run.py`` measures into ``rows.json``, ``report.py`` makes ``README.md``;
its pieces are in ``benchmarks.harness``)."""
