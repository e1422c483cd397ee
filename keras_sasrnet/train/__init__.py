"""Training: the recipe and loop, tf.distribute strategies, the schedule."""

from keras_sasrnet._lazy import exports

# What a user calls, by the module that defines it (imported on first use;
# the modules themselves stay ``keras_sasrnet.<package>.<module>``).
__all__, __getattr__ = exports(
    __name__,
    {
        "base": "config",
        "validate": "config",
        "paper_experiment": "config",
        "run_slimming": "pipeline",
        "train_model": "pipeline",
        "finetune_model": "pipeline",
        "prune_model": "pipeline",
        "Run": "run",
        "make_strategy": "distribute",
    },
)
