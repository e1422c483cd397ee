"""Batches of cover/stego pairs as a ``tf.data`` pipeline.

Every batch holds N covers each with its own stego (the pair constraint of
SRNet's training), interleaved ``[c1, s1, c2, s2, ...]`` with labels
``[0, 1, 0, 1, ...]``. Both images of a pair get the same random rot90/flip;
pairs are reshuffled every epoch; the whole stream is a function of the seed.
"""

import os

import numpy as np
import tensorflow as tf

from keras_sasrnet.data import images, jpeg
from keras_sasrnet.data.manifest import SPLITS, Manifest
from keras_sasrnet.data.parallel import map_files

# Data sets below this size (decoded, float32) are held in memory.
MEMORY_LIMIT_BYTES = 1 << 30


def unpaired(covers, stegos):
    """{split: [cover names without a stego in ``stegos``]} (non-empty only)."""
    have = set(Manifest.load(stegos).names())
    cover_set = Manifest.load(covers)
    missing = {}
    for split in SPLITS:
        names = [n for n in cover_set.names(split) if n not in have]
        if names:
            missing[split] = names
    return missing


def unpaired_message(covers, stegos, missing):
    """One line per split counting covers without a stego, with the reason
    the stego set gives (skipped: cannot carry the payload; failed)."""
    stego_set = Manifest.load(stegos)
    cover_set = Manifest.load(covers)
    lines = []
    for split, names in missing.items():
        skipped = sum(n in stego_set.skipped for n in names)
        failed = sum(n in stego_set.failed for n in names)
        total = len(cover_set.names(split))
        lines.append(
            f"split {split!r}: {len(names)} of {total} covers have no stego in "
            f"{stegos} ({skipped} skipped: cannot carry the payload; {failed} "
            f"failed; {len(names) - skipped - failed} not embedded), e.g. "
            + ", ".join(names[:3])
        )
    return lines


_REPORTED = set()


def match_pairs(covers, stegos, split=None, strict=False, log=print):
    """(cover paths, stego paths, manifest) of a split, matched by file name.

    Covers without a stego (a cover that cannot carry the payload, a failed
    embedding) are left out, with one line per split counting them (logged
    once per process); ``strict`` stops instead, counting every split.

    Raises:
        ValueError: a domain/size mismatch, an empty split, or (strict)
            covers without a stego.
    """
    cover_set, stego_set = Manifest.load(covers), Manifest.load(stegos)
    if (cover_set.domain, tuple(cover_set.size)) != (
        stego_set.domain,
        tuple(stego_set.size),
    ):
        raise ValueError(
            f"{covers} ({cover_set.domain}, {cover_set.size}) and {stegos} "
            f"({stego_set.domain}, {stego_set.size}) do not match"
        )
    names = cover_set.names(split)
    if not names:
        raise ValueError(f"{covers} has no image in split {split!r}")
    have = set(stego_set.names())
    if any(n not in have for n in names):
        missing = unpaired(covers, stegos)
        lines = unpaired_message(covers, stegos, missing)
        if strict:
            raise ValueError(
                "covers without a stego (strict pairing): " + "; ".join(lines)
            )
        key = (os.path.abspath(covers), os.path.abspath(stegos), split)
        if key not in _REPORTED:
            _REPORTED.add(key)
            for line in lines:
                if split is None or line.startswith(f"split {split!r}"):
                    log(line + " - left out")
        names = [n for n in names if n in have]
        if not names:
            raise ValueError(f"no cover of split {split!r} has a stego in {stegos}")
    return (
        [os.path.join(covers, n) for n in names],
        [os.path.join(stegos, n) for n in names],
        cover_set,
    )


def read_input(path, domain, size=None):
    """The network input of one file: float32 (H, W, 1)."""
    if domain == "jpeg":
        pixels = jpeg.read_pixels(path, size)
    else:
        pixels = images.read_gray(path, size).astype(np.float32)
    return pixels[:, :, None]


def _read_pair(args):
    cover, stego, domain, size = args
    return np.stack([read_input(cover, domain, size), read_input(stego, domain, size)])


def _augment(pair, seed, square):
    """The same random rot90 (square images) and flip for both images."""
    seeds = tf.random.experimental.stateless_split(seed, 2)
    k = tf.random.stateless_uniform([], seeds[0], 0, 4 if square else 2, tf.int32)
    pair = tf.image.rot90(pair, k if square else 2 * k)
    flip = tf.random.stateless_uniform([], seeds[1], 0, 2, tf.int32)
    return tf.cond(flip > 0, lambda: tf.reverse(pair, axis=[2]), lambda: pair)


def pair_dataset(
    covers,
    stegos,
    split="train",
    pairs_per_batch=16,
    seed=0,
    training=True,
    in_memory=None,
    workers=None,
    log=print,
):
    """A dataset of (images (2N, H, W, 1) float32, labels (2N,) int32).

    Args:
        covers, stegos: data set folders with manifests (``sasrnet_prepare``,
            ``sasrnet_embed``, ``demo.demo_covers``).
        split: "train", "val", "test" or None for all.
        pairs_per_batch: N, cover/stego pairs per batch.
        seed: shuffling and augmentation seed.
        training: shuffle, augment, repeat forever and drop the last partial
            batch; otherwise every pair once, in manifest order, unaugmented.
        in_memory: decode everything once up front (default: when it needs
            less than 1 GiB), else decode files in parallel on the fly.
        workers: processes for the up-front decode.
        log: where the count of covers without a stego goes (they are left
            out; see ``match_pairs``).

    Example:
        >>> ds = pair_dataset("boss256", "boss256_hill04", "train", 16)
        >>> images, labels = next(iter(ds))
    """
    if pairs_per_batch < 1:
        raise ValueError(f"pairs_per_batch must be >= 1; received {pairs_per_batch}")
    cover_paths, stego_paths, manifest = match_pairs(covers, stegos, split, log=log)
    domain, size = manifest.domain, tuple(manifest.size)
    n = len(cover_paths)
    if training and n < pairs_per_batch:
        raise ValueError(
            f"split {split!r} has {n} pairs, fewer than one batch of {pairs_per_batch}"
        )
    if in_memory is None:
        in_memory = n * 2 * size[0] * size[1] * 4 < MEMORY_LIMIT_BYTES
    jobs = [(c, s, domain, size) for c, s in zip(cover_paths, stego_paths, strict=True)]

    if in_memory:
        decoded = np.stack(list(map_files(_read_pair, jobs, workers, chunksize=64)))
        table = tf.constant(decoded)
        ds = tf.data.Dataset.range(n)
        load = lambda i: tf.gather(table, i)  # noqa: E731
    else:
        ds = tf.data.Dataset.range(n)

        def load(i):
            pair = tf.numpy_function(
                lambda j: _read_pair(jobs[int(j)]), [i], tf.float32, stateful=False
            )
            return tf.ensure_shape(pair, (2, *size, 1))

    if training:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True).repeat()
        ds = tf.data.Dataset.zip(ds, tf.data.Dataset.random(seed=seed).batch(2))
        square = size[0] == size[1]
        ds = ds.map(
            lambda i, s: _augment(load(i), s, square),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    else:
        ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.batch(pairs_per_batch, drop_remainder=training)

    def interleave(pairs):
        count = tf.shape(pairs)[0]
        batch = tf.reshape(pairs, (2 * count, *size, 1))
        labels = tf.tile(tf.constant([0, 1], tf.int32), [count])
        return batch, labels

    return ds.map(interleave).prefetch(tf.data.AUTOTUNE)


def steps_per_epoch(covers, split, pairs_per_batch):
    """Full batches in one pass over a split (covers, before pairing)."""
    return len(Manifest.load(covers).names(split)) // pairs_per_batch
