"""Training: the recipe and loop, tf.distribute strategies, the schedule."""

# The public modules (imported on use: ``from keras_sasrnet.X import Y``).
__all__ = [
    "config",
    "distribute",
    "loop",
    "pipeline",
    "run",
    "stages",
]
