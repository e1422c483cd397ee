"""Data: reading images and JPEGs, preparing sets, embedding, pair batches.

Only ``pairs`` imports TensorFlow; the rest runs in worker processes.
"""

from keras_sasrnet._lazy import exports

# What a user calls, by the module that defines it (imported on first use;
# the modules themselves stay ``keras_sasrnet.<package>.<module>``).
__all__, __getattr__ = exports(
    __name__,
    {
        "Manifest": "manifest",
        "ImageError": "images",
        "prepare_dataset": "prepare",
        "make_covers": "covers",
        "embed_dataset": "embed",
        "pair_dataset": "pairs",
        "match_pairs": "pairs",
        "demo_covers": "demo",
        "photo_covers": "photos",
        "read_gray": "images",
        "write_gray": "images",
        "read_coefficients": "jpeg",
        "read_pixels": "jpeg",
    },
)
