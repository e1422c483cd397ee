"""Evaluation: error rates of cover/stego detectors."""

# The public modules (imported on use: ``from keras_sasrnet.X import Y``).
__all__ = [
    "detect",
    "eval_report",
    "evaluate",
    "metrics",
    "plots",
    "run_report",
]
