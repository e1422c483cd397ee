"""Deployment: SavedModel and TFLite (float32, float16, dynamic, int8)."""

# The public modules (imported on use: ``from keras_sasrnet.X import Y``).
__all__ = [
    "convert",
    "latency",
    "parity",
]
