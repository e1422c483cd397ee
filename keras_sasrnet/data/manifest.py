"""The manifest of a data set folder: every file, its split, size, checksum.

``manifest.json`` sits in the folder it describes and is written atomically.
A cover set and its stego sets each have one; pairs are matched by name.
"""

import dataclasses
import hashlib
import json
import os
import re

import numpy as np

from keras_sasrnet import atomic

FILENAME = "manifest.json"
SPLITS = ("train", "val", "test")
# The default split of a source folder: the paper's 4000/1000/5000 as shares
PROPORTIONAL = (0.4, 0.1, 0.5)


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
        skipped: {name: reason} for covers that cannot carry the payload
            (no non-zero AC coefficient, ...): expected, not failures.
    """

    domain: str
    size: tuple[int, int]
    files: list[dict]
    info: dict = dataclasses.field(default_factory=dict)
    failed: dict = dataclasses.field(default_factory=dict)
    skipped: dict = dataclasses.field(default_factory=dict)

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


def group_of(name, pattern):
    """The source group of a file name under ``group_by`` (a regex).

    The first capture group of the pattern's first match in the name (the
    whole match if the pattern has no group). Tiles of one photo, say
    ``moon_003.pgm``, share the group of ``--group_by='^(.*)_\\d+'``.
    A name the pattern does not match is an error naming it.
    """
    match = re.search(pattern, name)
    if match is None:
        raise ValueError(f"--group_by pattern {pattern!r} does not match {name!r}")
    return match.group(1) if match.re.groups else match.group(0)


def split_names(names, split, seed=0, groups=None):
    """Assigns each name a split with a seeded permutation of its groups.

    Args:
        names: the file names to split.
        split: integer counts (train, val, test) summing to at most the
            number of groups, float fractions summing to 1, "paper" for
            4000/1000/5000 (BOSSbase's), or "proportional" for the paper's
            proportions, 40/10/50 %, of any number of groups (each split
            gets at least one group when there are three or more).
        seed: permutation seed.
        groups: {name: group}; every name of a group lands in one split and
            counts and fractions count groups (e.g. source photos). None:
            each name is its own group.

    Returns:
        {name: "train" | "val" | "test"}; groups beyond the counts are left
        out (a 4000/1000/5000 split of more than 10,000 images).

    Example:
        >>> split_names(["a", "b", "c", "d"], (0.5, 0.25, 0.25))["a"]
        'train'
    """
    proportional = split == "proportional"
    if split == "paper":
        split = (4000, 1000, 5000)
    elif proportional:
        split = PROPORTIONAL
    split = tuple(split)
    if len(split) != 3 or any(not v >= 0 for v in split):
        raise ValueError(
            f"split must be 3 non-negative counts or fractions; received {split}"
        )
    groups = groups or {n: n for n in names}
    members = {}
    for name in names:
        members.setdefault(groups[name], []).append(name)
    n = len(members)
    unit = "images" if len(members) == len(names) else "groups"
    if all(isinstance(v, int) for v in split):
        counts = [int(v) for v in split]
        if sum(counts) > n:
            raise ValueError(
                f"split {tuple(counts)} needs {sum(counts)} {unit}; the source has {n}"
            )
    else:
        if abs(sum(split) - 1) > 1e-6:
            raise ValueError(f"split fractions must sum to 1; received {split}")
        counts = [int(round(f * n)) for f in split[:2]]
        counts.append(n - sum(counts))
        while proportional and n >= 3 and min(counts) == 0:
            counts[counts.index(max(counts))] -= 1
            counts[counts.index(0)] += 1
    order = np.random.default_rng(seed).permutation(sorted(members))
    result, start = {}, 0
    for part, count in zip(SPLITS, counts, strict=True):
        for group in order[start : start + count]:
            for name in members[str(group)]:
                result[name] = part
        start += count
    return result


def parse_split(text):
    """ "proportional", "paper", counts "4000,1000,5000" or fractions
    "0.8,0.1,0.1" / "80%,10%,10%".

    Fractions are written with a decimal point or a percent sign, counts as
    whole numbers. Whole numbers that are all 0 or 1 ("0,0,1") read as
    either, so they are refused (fractions: "0,0,1.0").
    """
    if text in ("paper", "proportional"):
        return text
    parts = [p.strip() for p in str(text).split(",")]
    bad = ValueError(
        f"split must be 'proportional', 'paper', 3 counts (4000,1000,5000) or 3 "
        f"fractions "
        f"(0.8,0.1,0.1 or 80%,10%,10%); received {text!r}"
    )
    if len(parts) != 3:
        raise bad
    try:
        if all(p.isdigit() for p in parts):
            counts = tuple(int(p) for p in parts)
            if max(counts) <= 1:
                raise ValueError(
                    f"split {text!r} is ambiguous: write fractions with a decimal "
                    f"point ({','.join(p + '.0' if p == '1' else p for p in parts)}) "
                    "or percent signs, counts as numbers of images"
                )
            return counts
        if all(p.endswith("%") for p in parts):
            return tuple(float(p[:-1]) / 100 for p in parts)
        return tuple(float(p) for p in parts)
    except ValueError as e:
        if "ambiguous" in str(e):
            raise
        raise bad from None
