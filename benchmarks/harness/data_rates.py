"""Throughput measurements behind ``python -m benchmarks.data``.

Speed is measured here and printed, never asserted in tests.
"""

import os
import tempfile
import time

import keras
import numpy as np

from keras_sasrnet import models
from keras_sasrnet.data import embed, images, jpeg, pairs
from keras_sasrnet.data.manifest import Manifest


def warm_up(covers, algorithm, payload=0.4):
    """One untimed embedding: conseal compiles and caches on its first call."""
    path = os.path.join(covers, Manifest.load(covers).names()[0])
    embed.embed_array(algorithm, path, payload, 0)


def embedding_rate(covers, algorithm, payload=0.4, workers=1, limit=None):
    """Images/s of ``embed_dataset`` (read, embed, write, checksum, manifest)."""
    warm_up(covers, algorithm, payload)
    names = Manifest.load(covers).names()[:limit]
    subset = _subset(covers, names)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        embed.embed_dataset(
            subset, out, algorithm, payload, workers=workers, progress=False
        )
        return len(names) / (time.perf_counter() - start)


def conseal_direct_rate(covers, algorithm, payload=0.4, limit=None):
    """Images/s of a plain loop: read the cover, call conseal, write the stego."""
    warm_up(covers, algorithm, payload)
    names = Manifest.load(covers).names()[:limit]
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        for k, name in enumerate(names):
            path = os.path.join(covers, name)
            if algorithm in embed.SPATIAL:
                x1 = embed.SPATIAL[algorithm](images.read_gray(path), payload, k)
                images.write_gray(os.path.join(out, name), np.asarray(x1, np.uint8))
            else:
                cover, stego = embed.embed_array(algorithm, path, payload, k)
                jpeg.write_coefficients(path, stego, os.path.join(out, name))
        return len(names) / (time.perf_counter() - start)


def _subset(covers, names):
    """A manifest-only view of some covers (symlinked) in a temp folder."""
    folder = tempfile.mkdtemp(prefix="sasrnet-bench-")
    m = Manifest.load(covers)
    keep = set(names)
    for name in names:
        os.symlink(
            os.path.abspath(os.path.join(covers, name)), os.path.join(folder, name)
        )
    m.files = [f for f in m.files if f["name"] in keep]
    m.save(folder)
    return folder


def pipeline_rate(covers, stegos, pairs_per_batch=16, batches=50, in_memory=None):
    """Pairs/s the training pipeline delivers (after its first batch)."""
    ds = pairs.pair_dataset(
        covers, stegos, None, pairs_per_batch, seed=0, in_memory=in_memory
    )
    it = iter(ds)
    next(it)
    start = time.perf_counter()
    for _ in range(batches):
        next(it)
    return batches * pairs_per_batch / (time.perf_counter() - start)


def train_step_rate(size, pairs_per_batch=16, steps=3, width_scale=1.0):
    """Pairs/s of full SRNet training steps (Adamax) on random data."""
    model = models.build("srnet", width_scale, input_shape=(size, size, 1))
    model.compile(
        keras.optimizers.Adamax(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (2 * pairs_per_batch, size, size, 1)).astype("float32")
    y = np.tile([0, 1], pairs_per_batch)
    model.train_on_batch(x, y)  # trace and warm up
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return steps * pairs_per_batch / (time.perf_counter() - start)
