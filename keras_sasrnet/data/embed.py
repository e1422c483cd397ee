"""Stego sets made with conseal, one fresh seed per image.

Spatial algorithms take 8-bit grayscale covers and a payload in bits per
pixel; JPEG algorithms take grayscale JPEG covers and a payload in bits per
non-zero AC coefficient (bpnzAC). Every image gets its own seed derived from
(base seed, file name): one shared key across images is a known way to
corrupt a steganalysis data set, and per-name seeds make a run independent of
order, worker count and interruptions.
"""

import dataclasses
import hashlib
import os
import warnings

import conseal
import numpy as np

from keras_sasrnet import atomic, fingerprint
from keras_sasrnet.data import images, jpeg
from keras_sasrnet.data.manifest import Manifest, sha256
from keras_sasrnet.data.parallel import map_files


def _spatial(simulate, **extra):
    def embed(x0, payload, seed):
        return simulate(x0, payload, seed=seed, **extra)

    return embed


def _lsbm(x0, payload, seed):
    return conseal.lsb.simulate(
        x0, payload, modify=conseal.LSB_MATCHING, permute=True, seed=seed
    )


# name -> (domain, function(cover, payload, seed) -> stego)
SPATIAL = {
    "hill": _spatial(conseal.hill.simulate_single_channel),
    "hugo": _spatial(conseal.hugo.simulate_single_channel),
    "suniward": _spatial(conseal.suniward.simulate_single_channel),
    "wow": _spatial(conseal.wow.simulate_single_channel),
    "mipod": _spatial(conseal.mipod.simulate_single_channel),
    "lsbm": _lsbm,
}


def _uerd(x0, y0, qt, payload, seed):
    return conseal.uerd.simulate_single_channel(y0, qt, payload, seed=seed)


def _juniward(x0, y0, qt, payload, seed):
    return conseal.juniward.simulate_single_channel(x0, y0, qt, payload, seed=seed)


def _nsf5(x0, y0, qt, payload, seed):
    return conseal.nsF5.simulate_single_channel(y0, payload, seed=seed)


def _ebs(x0, y0, qt, payload, seed):
    # conseal's EBS (2025.11) reads its rate per embeddable coefficient (60 of
    # 64 per block), not per non-zero AC as its docstring says and the other
    # JPEG algorithms do: rescaled to bpnzAC. Unscaled, "0.4" changed 49-78 %
    # of the non-zero AC coefficients of 32x32 q75 crops (UERD: 6-8 %).
    embeddable = y0.size - 4 * y0.shape[0] * y0.shape[1]
    alpha = payload * conseal.tools.dct.nzAC(y0) / embeddable
    return conseal.ebs.simulate_single_channel(y0, qt, alpha, seed=seed)


JPEG = {"uerd": _uerd, "juniward": _juniward, "nsf5": _nsf5, "ebs": _ebs}
ALGORITHMS = sorted(SPATIAL) + sorted(JPEG)


def image_seed(base_seed, name):
    """A 31-bit seed for one image from the run's seed and the file name."""
    digest = hashlib.sha256(f"{base_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


class CannotCarry(ValueError):
    """A cover that cannot carry any payload (expected, not a failure)."""


def nonzero_ac(coefs):
    """Number of non-zero AC coefficients of a coefficient plane (H, W)."""
    ac = np.asarray(coefs).copy()
    ac[::8, ::8] = 0  # the DC term of every 8x8 block
    return int(np.count_nonzero(ac))


def embed_array(algorithm, cover_path, payload, seed, size=None):
    """(cover, stego) arrays of one cover: pixels, or DCT coefficient planes.

    ``size``: the (H, W) the cover set's manifest promises; a cover of
    another size is an ``ImageError`` naming it.
    """
    if algorithm in SPATIAL:
        x0 = images.read_gray(cover_path, size)
        x1 = SPATIAL[algorithm](x0, payload, seed)
        return x0, np.asarray(x1).astype(np.uint8)
    coefs, qt = jpeg.read_coefficients(cover_path, size)
    if nonzero_ac(coefs) == 0:
        # A flat tile quantised to DC only: payload is in bits per non-zero
        # AC coefficient, so there is nothing to embed into (conseal raises).
        raise CannotCarry("no non-zero AC coefficient: cannot carry a payload")
    x0 = images.to_gray(images.open_checked(cover_path), cover_path).astype(np.float64)
    y1 = JPEG[algorithm](x0, jpeg.to_blocks(coefs), qt, payload, seed)
    return coefs, jpeg.from_blocks(np.asarray(y1)).astype(coefs.dtype)


@dataclasses.dataclass(frozen=True)
class _Job:
    algorithm: str
    cover: str
    stego: str
    payload: float
    seed: int
    size: tuple | None = None


def _embed_one(job):
    """{name, changes, elements, sha256}, {name, skipped} or {name, error}."""
    name = os.path.basename(job.stego)
    try:
        pair = None
        if os.path.exists(job.stego):  # finished in an earlier run
            try:
                pair = _read_pair(job)
            except images.ImageError:
                # Damaged since (truncated, overwritten): ours to redo, and
                # the per-image seed makes the new one identical to the old.
                os.remove(job.stego)
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


def _read_pair(job):
    if job.algorithm in SPATIAL:
        return images.read_gray(job.cover), images.read_gray(job.stego)
    return jpeg.read_coefficients(job.cover)[0], jpeg.read_coefficients(job.stego)[0]


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
    settings = {
        "covers": os.path.abspath(covers),
        "algorithm": algorithm,
        "payload": float(payload),
        "seed": seed,
        "split": split,
    }
    with atomic.staged_folder(out) as work:
        fingerprint.claim(work, settings, "stegos", overwrite)
        atomic.remove_stale(work)
        files = [f for f in cover_set.files if split in (None, f["split"])]
        jobs = [
            _Job(
                algorithm,
                os.path.join(covers, f["name"]),
                os.path.join(work, f["name"]),
                float(payload),
                image_seed(seed, f["name"]),
                tuple(cover_set.size),
            )
            for f in files
        ]
        results, failed, skipped = [], {}, {}
        label = f"{algorithm} {payload}" if progress else ""
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
