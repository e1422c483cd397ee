"""Data: reading images and JPEGs, preparing sets, embedding, pair batches.

Only ``pairs`` imports TensorFlow; the rest runs in worker processes.
"""

# The public modules (imported on use: ``from keras_sasrnet.X import Y``).
__all__ = [
    "demo",
    "embed",
    "images",
    "jpeg",
    "manifest",
    "pairs",
    "parallel",
    "photos",
    "prepare",
    "resize",
    "summary",
]
