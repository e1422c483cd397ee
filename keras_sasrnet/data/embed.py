"""Stego sets made with conseal, one fresh seed per image.

Spatial algorithms take 8-bit grayscale covers and a payload in bits per
pixel; JPEG algorithms take grayscale JPEG covers and a payload in bits per
non-zero AC coefficient (bpnzAC). Every image gets its own seed derived from
(base seed, file name): one shared key across images is a known way to
corrupt a steganalysis data set, and per-name seeds make a run independent of
order, worker count and interruptions. The algorithms themselves are in
``algorithms`` (their names are here too: ``embed.SPATIAL``, ...).
"""

import dataclasses
import hashlib
import json
import os
import warnings

import numpy as np

from keras_sasrnet import atomic, fingerprint
from keras_sasrnet.data import images, jpeg
from keras_sasrnet.data.algorithms import (
    ALGORITHMS,
    JPEG,
    SPATIAL,
    CannotCarry,
    embed_array,
    image_seed,
    nonzero_ac,
)
from keras_sasrnet.data.manifest import FILENAME as manifest_file
from keras_sasrnet.data.manifest import Manifest, sha256
from keras_sasrnet.data.parallel import map_files

__all__ = [
    "ALGORITHMS",
    "JPEG",
    "SPATIAL",
    "CannotCarry",
    "embed_array",
    "embed_dataset",
    "image_seed",
    "nonzero_ac",
]


@dataclasses.dataclass(frozen=True)
class _Job:
    algorithm: str
    cover: str
    stego: str
    payload: float
    seed: int
    size: tuple | None = None
    sha256: str | None = None  # the stego's hash in a finished set's manifest


def _kept(job):
    """(cover, stego) of a stego an earlier run left, or None to redo it.

    Redone (the per-image seed makes the new one what the old one should
    have been): a damaged file, one whose hash is not what the set's
    manifest recorded, and one identical to its cover (a stego overwritten
    by its cover; a flat cover that takes no change is simply made again).
    """
    if not os.path.exists(job.stego):
        return None
    try:
        if job.sha256 is not None and sha256(job.stego) != job.sha256:
            raise images.ImageError(job.stego, "changed since the set was made")
        pair = _read_pair(job)
        if np.array_equal(*pair):
            raise images.ImageError(job.stego, "identical to its cover")
    except images.ImageError:
        os.remove(job.stego)
        return None
    return pair


def _embed_one(job):
    """{name, changes, elements, sha256}, {name, skipped} or {name, error}."""
    name = os.path.basename(job.stego)
    try:
        pair = _kept(job)  # finished in an earlier run
        if pair is not None:
            cover, stego = pair
        else:
            with warnings.catch_warnings():
                # conseal's "optimization might not have converged" on tiny
                # images would flood the progress bar; the change rate is
                # recorded for every image instead.
                warnings.simplefilter("ignore", RuntimeWarning)
                cover, stego = embed_array(
                    job.algorithm, job.cover, job.payload, job.seed, job.size
                )
            if job.algorithm in SPATIAL:
                images.write_gray(job.stego, stego)
            else:
                jpeg.write_coefficients(job.cover, stego, job.stego)
        notes = []
        if np.array_equal(cover, stego):
            # HILL on a flat image returns the cover (all costs wet); a tiny
            # JPEG may draw no change by chance. Kept, but flagged.
            notes.append("stego identical to cover: no change made")
        changes = int(np.count_nonzero(cover != stego))
        return {
            "name": name,
            "changes": changes,
            "elements": int(cover.size),
            "sha256": sha256(job.stego),
            "warnings": notes,
        }
    except CannotCarry as e:
        return {"name": name, "skipped": str(e)}
    except Exception as e:  # noqa: BLE001 - a failed image is reported, the run goes on
        return {"name": name, "error": f"{type(e).__name__}: {e}"}


def _adopt_older_set(folder, settings, covers, cover_set):
    """A finished set made before the covers' content was recorded: adopted
    (its settings gain ``cover_content``) if it is otherwise the same set and
    every stego is within +-1 of its cover as it is now (what embedding
    changes); else left for ``fingerprint.claim`` to refuse."""
    path = os.path.join(folder, fingerprint.FILENAME)
    if not os.path.exists(path) or not os.path.exists(
        os.path.join(folder, manifest_file)
    ):
        return
    with open(path) as f:
        old = json.load(f)
    same = {k: v for k, v in settings.items() if k != "cover_content"}
    if "cover_content" in old or old != json.loads(json.dumps(same)):
        return
    for f in Manifest.load(folder).files:
        name = f["name"]
        job = _Job(
            settings["algorithm"],
            os.path.join(covers, name),
            os.path.join(folder, name),
            0.0,
            0,
        )
        try:
            cover, stego = _read_pair(job)
        except images.ImageError:
            return
        if (
            cover.shape != stego.shape
            or np.abs(cover.astype(np.int64) - stego.astype(np.int64)).max(initial=0)
            > 1
        ):
            return
    atomic.write_json(path, settings)


def _read_pair(job):
    if job.algorithm in SPATIAL:
        return images.read_gray(job.cover), images.read_gray(job.stego)
    return jpeg.read_coefficients(job.cover)[0], jpeg.read_coefficients(job.stego)[0]


def _settings(covers, cover_set, algorithm, payload, seed, split):
    """What makes a stego set: a rerun with other settings is another set."""
    return {
        "covers": os.path.abspath(covers),
        # the covers' content: a cover set rebuilt under the same names
        # (sasrnet_prepare --overwrite from another source) is another set
        "cover_content": hashlib.sha256(
            "".join(f"{f['name']}:{f['sha256']};" for f in cover_set.files).encode()
        ).hexdigest()[:16],
        "algorithm": algorithm,
        "payload": float(payload),
        "seed": seed,
        "split": split,
    }


def _embed_all(files, jobs, workers, label):
    """Runs the jobs: (manifest entries, {name: error}, {name: why skipped})."""
    results, failed, skipped = [], {}, {}
    for cover, result, job in zip(
        files, map_files(_embed_one, jobs, workers, label), jobs, strict=True
    ):
        if "error" in result:
            failed[result["name"]] = result["error"]
            continue
        if "skipped" in result:
            skipped[result["name"]] = result["skipped"]
            continue
        results.append(
            {
                "name": result["name"],
                "split": cover["split"],
                "sha256": result["sha256"],
                "bytes": os.path.getsize(job.stego),
                "seed": job.seed,
                "changes": result["changes"],
                "change_rate": result["changes"] / result["elements"],
            }
        )
        if result["warnings"]:
            results[-1]["warnings"] = result["warnings"]
    return results, failed, skipped


def embed_dataset(
    covers,
    out,
    algorithm,
    payload,
    seed=0,
    workers=None,
    split=None,
    progress=True,
    overwrite=False,
):
    """Makes a stego set of a cover set (resumable) and its manifest.

    Args:
        covers: a cover data set folder (with its manifest).
        out: output folder; stegos keep their cover's file name.
        algorithm: one of ``ALGORITHMS`` (spatial: hill, hugo, lsbm, mipod,
            suniward, wow; JPEG: ebs, juniward, nsf5, uerd).
        payload: bits per pixel (spatial) or per non-zero AC coefficient.
        seed: base seed; image seeds derive from it and the file name.
        workers: processes (default all cores).
        split: only this split ("train", "val", "test"), or all (None, "all").
        progress: show a progress bar.
        overwrite: if ``out`` holds stegos made with other settings, start
            it over (default: stop with the differences).

    Returns:
        The stego set's ``Manifest``; covers that cannot carry the payload
        are listed in ``skipped``, failed images in ``failed`` (each with
        the reason), and the run goes on.

    Example:
        >>> embed_dataset("boss256", "boss256_hill04", "hill", 0.4)
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(
            f"unknown embedding algorithm {algorithm!r}; expected one of {ALGORITHMS}"
        )
    if not 0 < payload <= 1:
        raise ValueError(f"payload must be in (0, 1]; received {payload}")
    split = None if split == "all" else split
    cover_set = Manifest.load(covers)
    wanted = "spatial" if algorithm in SPATIAL else "jpeg"
    if cover_set.domain != wanted:
        raise ValueError(
            f"{algorithm} embeds into {wanted} covers; {covers} holds "
            f"{cover_set.domain} images"
        )
    settings = _settings(covers, cover_set, algorithm, payload, seed, split)
    with atomic.staged_folder(out) as work:
        _adopt_older_set(work, settings, covers, cover_set)
        fingerprint.claim(work, settings, "stegos", overwrite)
        atomic.remove_stale(work)
        recorded = {}
        if os.path.exists(os.path.join(work, manifest_file)):
            recorded = {f["name"]: f["sha256"] for f in Manifest.load(work).files}
        files = [f for f in cover_set.files if split in (None, f["split"])]
        jobs = [
            _Job(
                algorithm,
                os.path.join(covers, f["name"]),
                os.path.join(work, f["name"]),
                float(payload),
                image_seed(seed, f["name"]),
                tuple(cover_set.size),
                recorded.get(f["name"]),
            )
            for f in files
        ]
        label = f"{algorithm} {payload}" if progress else ""
        results, failed, skipped = _embed_all(files, jobs, workers, label)
        manifest = Manifest(
            domain=cover_set.domain,
            size=cover_set.size,
            files=results,
            info={
                "covers": os.path.abspath(covers),
                "algorithm": algorithm,
                "payload": payload,
                "payload_unit": "bpp" if wanted == "spatial" else "bpnzAC",
                "seed": seed,
                "split": split,
            },
            failed=failed,
            skipped=skipped,
        )
        manifest.save(work)
    return manifest
