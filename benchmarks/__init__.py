"""Benchmarks of keras-sasrnet: run from the repository root (python -m benchmarks.X).

Not part of the installed package: the research harness (``harness``), its
commands (``slimming``, ``data``) and the studies under ``sparsity/``,
``jpeg/`` and ``precision/`` with the figures they produced.
"""
