"""Evaluation: error rates of cover/stego detectors."""

from keras_sasrnet._lazy import exports

# What a user calls, by the module that defines it (imported on first use;
# the modules themselves stay ``keras_sasrnet.<package>.<module>``).
__all__, __getattr__ = exports(
    __name__,
    {
        "evaluate_sets": "evaluate",
        "predict_pairs": "evaluate",
        "mismatch_table": "evaluate",
        "Detector": "detect",
        "ErrorRates": "metrics",
        "error_rates": "metrics",
        "min_pe": "metrics",
        "auc": "metrics",
        "stego_probability": "metrics",
    },
)
