"""Turning a folder of cover images into a data set, as in the paper.

Optional resize (MATLAB imresize, e.g. BOSSbase 512 -> 256), optional JPEG
compression at a quality factor, a seeded split by source image (or by a
group of sources, e.g. the tiles of one photo, or as the source's own
train/val/test subfolders say), and a manifest. Resumable: finished outputs
(written atomically) are kept.
"""

import dataclasses
import os
import re

from keras_sasrnet import atomic, fingerprint
from keras_sasrnet.data import images, resize
from keras_sasrnet.data.manifest import (
    SPLITS,
    Manifest,
    group_of,
    sha256,
    split_names,
)
from keras_sasrnet.data.parallel import map_files


@dataclasses.dataclass(frozen=True)
class _Job:
    src: str
    dst: str
    size: tuple | None
    quality: int | None
    convert_color: bool


def _prepare_one(job):
    """(output name, sha256, error): one source image to one data set image."""
    name = os.path.basename(job.dst)
    try:
        if not os.path.exists(job.dst):
            if job.src.lower().endswith(images.JPEG_SUFFIXES):
                pixels = images.to_gray(
                    images.open_checked(job.src), job.src, job.convert_color
                )
            else:
                pixels = images.read_gray(job.src, convert_color=job.convert_color)
            if job.size is not None and pixels.shape != tuple(job.size):
                pixels = resize.imresize(pixels, job.size)
            images.write_gray(job.dst, pixels, quality=job.quality)
        return name, sha256(job.dst), None
    except images.ImageError as e:
        return name, None, str(e)


def source_names(folder, skipped=None):
    """Image names of a source folder. Files ``images.scan_folder`` skips
    (unsupported formats, links out of the folder) stop the run, or, given
    a ``skipped`` dict (``--skip_bad``), are recorded there with the reason."""
    if skipped is None:
        return images.list_images(folder)
    names, why = images.scan_folder(folder)
    skipped.update(why)
    if not names:
        raise ValueError(f"{folder} holds no usable image (skipped: {len(why)})")
    return names


def presplit(src, skipped=None):
    """{file name: split} of a source already split into train/val/test
    subfolders, or None if ``src`` has none of them (``skipped``: as
    ``source_names``).

    Names must be unique across the subfolders (the data set is flat).
    """
    found = [s for s in SPLITS if os.path.isdir(os.path.join(src, s))]
    if not found:
        return None
    if found != list(SPLITS):
        missing = [s for s in SPLITS if s not in found]
        raise ValueError(
            f"{src} is split into {'/, '.join(found)}/ but has no "
            f"{'/, '.join(missing)}/ subfolder: a pre-split source needs all of "
            "train/, val/ and test/ (move some images into the missing one), or "
            "point at a flat folder and let --split split it"
        )
    parts = {}
    for part in found:
        for name in source_names(os.path.join(src, part), skipped):
            if name in parts:
                raise ValueError(
                    f"{name} is in both {src}/{parts[name]} and {src}/{part}"
                )
            parts[name] = part
    return parts


def _plan(src, split, seed, group_by, skipped):
    """(source names, their presplit folders or None, {name: split}, groups
    or None) of a source folder, checked: a split given for a pre-split
    source, or a group found in two of its splits, is an error."""
    given = presplit(src, skipped)
    if given is not None and split is not None:
        raise ValueError(
            f"{src} is already split into {sorted(set(given.values()))} subfolders; "
            "drop the split setting (or point at a folder without them)"
        )
    names = sorted(given) if given is not None else source_names(src, skipped)
    groups = None if group_by is None else {n: group_of(n, group_by) for n in names}
    if given is None:
        parts = split_names(names, split or "proportional", seed, groups)
        return names, None, parts, groups
    if groups is not None:
        where = {}
        for n in names:
            where.setdefault(groups[n], set()).add(given[n])
        mixed = {g: sorted(p) for g, p in where.items() if len(p) > 1}
        if mixed:
            raise ValueError(f"groups found in more than one split of {src}: {mixed}")
    return names, given, dict(given), groups


def prepare_dataset(
    src,
    out,
    size=None,
    jpeg_quality=None,
    split=None,
    seed=0,
    convert_color=False,
    skip_bad=False,
    workers=None,
    progress=True,
    group_by=None,
    overwrite=False,
):
    """Writes a data set of 8-bit grayscale covers and its manifest.

    Args:
        src: folder of source images (PGM, PNG, TIFF, JPEG).
        out: output folder (created); outputs are ``<stem>.pgm`` or, with
            ``jpeg_quality``, ``<stem>.jpg``.
        size: (H, W) to resize every image to, or None to keep sizes (which
            must then all be equal).
        jpeg_quality: compress at this quality factor (1-100), or None.
        split: see ``manifest.split_names``; None: the source's own
            train/val/test subfolders if it has them (``presplit``; all
            three), else "proportional" (40/10/50 % of the images or groups,
            the paper's shares). Giving a split for a pre-split source is an
            error.
        seed: seed of the split permutation.
        convert_color: convert colour sources to luma instead of failing.
        skip_bad: record unreadable sources (and files ``images.scan_folder``
            skips: unsupported formats, links out of the folder) in the
            manifest and go on, instead of stopping at the first one.
        workers: processes (default all cores).
        progress: show a progress bar.
        group_by: a regex whose first capture group (or whole match) on a
            source file name names its group (``manifest.group_of``): the
            files of a group land in one split, counts and fractions count
            groups, and each file's group is recorded in the manifest. With a
            pre-split source, a group found in two splits is an error.
        overwrite: if ``out`` holds images made with other settings, start
            it over (default: stop with the differences).

    Returns:
        The ``Manifest`` written to ``out``.

    Example:
        >>> prepare_dataset("BOSSbase_1.01", "boss256_q75", (256, 256), 75)
    """
    _check_settings(size, jpeg_quality, group_by)
    skipped = {} if skip_bad else None
    names, given, parts, groups = _plan(src, split, seed, group_by, skipped)
    suffix = ".jpg" if jpeg_quality else ".pgm"
    stems = {}
    for n in names:
        stems.setdefault(os.path.splitext(n)[0], []).append(n)
    clash = {s: v for s, v in stems.items() if len(v) > 1}
    if clash:
        raise ValueError(f"source names differ only by suffix: {clash}")
    split_setting = split if split is None or isinstance(split, str) else list(split)
    settings = {
        "source": os.path.abspath(src),
        "size": list(size) if size else None,
        "jpeg_quality": jpeg_quality,
        "split": split_setting,
        "seed": seed,
        "group_by": group_by,
        "convert_color": convert_color,
    }
    with atomic.staged_folder(out) as work:
        fingerprint.claim(work, settings, "a prepared data set", overwrite)
        atomic.remove_stale(work)
        jobs = [
            _Job(
                os.path.join(src, given[n], n)
                if given is not None
                else os.path.join(src, n),
                os.path.join(work, os.path.splitext(n)[0] + suffix),
                tuple(size) if size else None,
                jpeg_quality,
                convert_color,
            )
            for n in names
            if n in parts
        ]
        sources = {os.path.splitext(n)[0] + suffix: n for n in names}
        files, failed = _convert(jobs, workers, progress, skip_bad, skipped)
        if not files:
            raise ValueError(f"no usable image in {src}")
        for f in files:
            f["split"] = parts[sources[f["name"]]]
            if groups is not None:
                f["group"] = groups[sources[f["name"]]]
        manifest = Manifest(
            domain="jpeg" if jpeg_quality else "spatial",
            size=tuple(size) if size else _common_size(work, files, sources, src),
            files=files,
            info={
                "source": os.path.abspath(src),
                "resize": list(size) if size else None,
                "jpeg_quality": jpeg_quality,
                "split": "presplit"
                if given is not None
                else (split_setting or "proportional"),
                "seed": seed,
                "group_by": group_by,
                "left_out": len(names) - len(parts),
            },
            failed=failed,
        )
        manifest.save(work)
    return manifest


def _check_settings(size, jpeg_quality, group_by):
    """Raises ValueError naming an impossible size, quality or regex."""
    if jpeg_quality is not None and not 1 <= jpeg_quality <= 100:
        raise ValueError(f"jpeg_quality must be in [1, 100]; received {jpeg_quality}")
    if size is not None and (len(size) != 2 or min(size) < 1):
        raise ValueError(f"size must be (H, W) with positive sides; received {size}")
    if jpeg_quality is not None and size is not None and (size[0] % 8 or size[1] % 8):
        raise ValueError(f"JPEG data sets need sides divisible by 8; received {size}")
    if group_by is not None:
        try:
            re.compile(group_by)
        except re.error as e:
            raise ValueError(f"--group_by {group_by!r} is not a regex: {e}") from None


def _convert(jobs, workers, progress, skip_bad, skipped):
    """Runs the conversions: (manifest file entries, {source: error}). A
    failure stops it unless ``skip_bad`` (then it is recorded)."""
    files, failed = [], dict(skipped or {})
    for (name, digest, error), job in zip(
        map_files(_prepare_one, jobs, workers, "prepare" if progress else ""),
        jobs,
        strict=True,
    ):
        if error:
            if not skip_bad:
                raise images.ImageError(job.src, error.split(": ", 1)[-1])
            failed[os.path.basename(job.src)] = error
        else:
            files.append(
                {"name": name, "sha256": digest, "bytes": os.path.getsize(job.dst)}
            )
    return files, failed


def _common_size(folder, files, sources, src):
    """The one size of the converted ``files``, or an error naming sources."""
    sizes = {}
    for f in files:
        image = images.open_checked(os.path.join(folder, f["name"]))
        sizes.setdefault((image.height, image.width), []).append(sources[f["name"]])
    if len(sizes) > 1:
        rare = sorted(sizes.items(), key=lambda kv: len(kv[1]))[0]
        raise ValueError(
            f"images in {src} differ in size {sorted(sizes)}: {rare[1][:3]} "
            f"{'is' if len(rare[1]) == 1 else 'are'} {rare[0][0]}x{rare[0][1]}; "
            "pass a resize size"
        )
    return next(iter(sizes))
