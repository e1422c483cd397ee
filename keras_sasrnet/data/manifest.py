"""The manifest of a data set folder: every file, its split, size, checksum.

``manifest.json`` sits in the folder it describes and is written atomically.
A cover set and its stego sets each have one; pairs are matched by name.
"""

import dataclasses
import hashlib
import json
import os

import numpy as np

from keras_sasrnet import atomic

FILENAME = "manifest.json"
SPLITS = ("train", "val", "test")


@dataclasses.dataclass
class Manifest:
    """What a data set folder holds.

    Attributes:
        domain: "spatial" (8-bit grayscale) or "jpeg".
        size: (H, W) of every image.
        files: one dict per image: name, split, sha256, and for stego sets
            the embedding's ``change_rate``, ``changes`` and ``seed``.
        info: how the set was made (source, resize, quality, algorithm,
            payload, base seed, ...).
        failed: {name: reason} for images that could not be made.
    """

    domain: str
    size: tuple[int, int]
    files: list[dict]
    info: dict = dataclasses.field(default_factory=dict)
    failed: dict = dataclasses.field(default_factory=dict)

    def names(self, split=None):
        """File names, optionally of one split, in manifest order."""
        return [f["name"] for f in self.files if split in (None, f.get("split"))]

    def by_name(self):
        return {f["name"]: f for f in self.files}

    def save(self, folder):
        data = dataclasses.asdict(self)
        data["size"] = list(self.size)
        atomic.write_json(os.path.join(folder, FILENAME), data)

    @classmethod
    def load(cls, folder):
        path = os.path.join(folder, FILENAME)
        if not os.path.isdir(folder):
            raise NotADirectoryError(f"no such data set directory: {folder}")
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"{folder} has no {FILENAME}; make it with sasrnet_prepare "
                "(covers) or sasrnet_embed (stegos)"
            )
        with open(path) as f:
            data = json.load(f)
        data["size"] = tuple(data["size"])
        return cls(**data)


def sha256(path):
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def split_names(names, split, seed=0):
    """Assigns each name a split with a seeded permutation.

    Args:
        names: the source images (one output per source, so a split by name
            is a split by source image).
        split: integer counts (train, val, test) summing to at most
            len(names), or float fractions summing to 1, or "paper" for
            4000/1000/5000.
        seed: permutation seed.

    Returns:
        {name: "train" | "val" | "test"}; names beyond the counts are left
        out (a 4000/1000/5000 split of more than 10,000 images).

    Example:
        >>> split_names(["a", "b", "c", "d"], (0.5, 0.25, 0.25))["a"]
        'train'
    """
    if split == "paper":
        split = (4000, 1000, 5000)
    split = tuple(split)
    if len(split) != 3 or any(not v >= 0 for v in split):
        raise ValueError(
            f"split must be 3 non-negative counts or fractions; received {split}"
        )
    n = len(names)
    if all(isinstance(v, int) for v in split):
        counts = [int(v) for v in split]
        if sum(counts) > n:
            raise ValueError(
                f"split {tuple(counts)} needs {sum(counts)} images; the source has {n}"
            )
    else:
        if abs(sum(split) - 1) > 1e-6:
            raise ValueError(f"split fractions must sum to 1; received {split}")
        counts = [int(round(f * n)) for f in split[:2]]
        counts.append(n - sum(counts))
    order = np.random.default_rng(seed).permutation(sorted(names))
    result, start = {}, 0
    for part, count in zip(SPLITS, counts, strict=True):
        for name in order[start : start + count]:
            result[str(name)] = part
        start += count
    return result


def parse_split(text):
    """ "paper", "4000,1000,5000" (counts) or "0.8,0.1,0.1" (fractions)."""
    if text == "paper":
        return text
    parts = [p.strip() for p in str(text).split(",")]
    try:
        if all(p.isdigit() for p in parts):
            return tuple(int(p) for p in parts)
        return tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"split must be 'paper', 3 counts or 3 fractions; received {text!r}"
        ) from None
