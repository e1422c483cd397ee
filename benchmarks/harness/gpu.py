"""The GPU section: full-SRNet training throughput, precision x XLA, mirrored.

Runs only where TensorFlow sees a GPU (``devices`` lets a test run it on CPU).
"""

import time

import numpy as np

from keras_sasrnet import models

SETTINGS = (
    ("float32", False),
    ("float32 + XLA", True),
    ("mixed float16", False),
    ("mixed float16 + XLA", True),
)


def gpu_benchmarks(
    size=256, pairs_per_gpu=16, steps=10, width_scale=1.0, devices=None, settings=None
):
    """Training images/s of SRNet on GPUs: precision x XLA, then mirrored.

    Returns a list of {"setting", "devices", "images_per_s"}, or [] without a
    GPU. ``devices`` (default: the local GPUs) lets a test run it on CPU;
    ``settings`` picks from ``SETTINGS`` (name, XLA) pairs.
    """
    import keras
    import tensorflow as tf

    if devices is None:
        devices = [
            f"/gpu:{i}" for i in range(len(tf.config.list_physical_devices("GPU")))
        ]
    if not devices:
        return []
    results = []
    for name, xla in settings or SETTINGS:
        policy = "mixed_float16" if "mixed" in name else "float32"
        keras.mixed_precision.set_global_policy(policy)
        try:
            with tf.device(devices[0]):
                rate = _train_rate(size, pairs_per_gpu, steps, width_scale, xla)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        results.append({"setting": name, "devices": 1, "images_per_s": rate})
    if len(devices) > 1:
        strategy = tf.distribute.MirroredStrategy(devices)
        with strategy.scope():
            rate = _train_rate(
                size, pairs_per_gpu * len(devices), steps, width_scale, False
            )
        results.append(
            {
                "setting": "float32 mirrored",
                "devices": len(devices),
                "images_per_s": rate,
            }
        )
    return results


def _train_rate(size, pairs, steps, width_scale, xla):
    """Images/s of ``steps`` SRNet training steps on random data after warm-up."""
    import keras

    model = models.build("srnet", width_scale, input_shape=(size, size, 1))
    model.compile(
        keras.optimizers.Adamax(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=xla,
    )
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (2 * pairs, size, size, 1)).astype("float32")
    y = np.tile([0, 1], pairs)
    model.fit(x, y, batch_size=2 * pairs, epochs=1, verbose=0)  # trace, warm up
    start = time.perf_counter()
    model.fit(x, y, batch_size=2 * pairs, epochs=steps, verbose=0)
    return steps * 2 * pairs / (time.perf_counter() - start)
