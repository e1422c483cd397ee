"""A larger photo source: scikit-image's photographs plus Debian wallpapers.

The demo's 15 scikit-image photographs leave 4 test photos, too few to tell
detectors apart (issue 13). This module adds the photographs shipped in six
Debian wallpaper packages (``PACKAGES``), fetched with ``apt-get download``
and unpacked with ``dpkg -x`` into a cache (no other download), and cuts all
of them into grayscale tiles whose group is their photo, so that a split by
photo never puts two tiles of one photo on both sides.

Which wallpapers are kept is measured, not chosen by hand: each image is
converted to 8-bit luma, box-downsampled to a short side of
``MEASURE_SIDE`` px, and its *flatness* is the share of pixels whose
4-neighbour Laplacian is below 2 grey levels. Flat artwork (gradients and
vector shapes: flatness 0.62-1.00 on these packages) is dropped; photographs
measured 0.04-0.42. Rendered textures with fine detail (GNOME's ``grid``,
``licorice``, ``wood``) pass the criterion and are kept as textured covers;
``sources.json`` in the output lists every image with its flatness and
whether it was kept. Light/dark variants of one artwork and the sizes of one
wallpaper form one group.
"""

import glob
import json
import os
import re
import shutil
import subprocess

import numpy as np
from PIL import Image

from keras_sasrnet import atomic
from keras_sasrnet.data import demo, images, resize
from keras_sasrnet.data.manifest import Manifest, split_names

PACKAGES = (
    "gnome-backgrounds",
    "ukui-wallpapers",
    "lomiri-wallpapers",
    "lomiri-wallpapers-16.04",
    "lomiri-wallpapers-20.04",
    "sway-backgrounds",
)
SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MEASURE_SIDE = 512
MAX_FLATNESS = 0.45


def fetch(cache, packages=PACKAGES, log=print):
    """Unpacks the wallpaper packages into ``cache/extract`` (once).

    Uses ``apt-get download`` (Debian or Ubuntu) and ``dpkg -x``; the .debs
    are kept in ``cache/debs``. Returns the extract folder.
    """
    extract = os.path.join(cache, "extract")
    done = os.path.join(extract, ".done")
    if os.path.exists(done):
        return extract
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise RuntimeError(
                f"the photo source needs {tool} (Debian/Ubuntu) to fetch "
                f"{', '.join(packages)}; or unpack them into {extract} yourself "
                "and create the file .done there"
            )
    debs = os.path.join(cache, "debs")
    os.makedirs(debs, exist_ok=True)
    missing = [p for p in packages if not glob.glob(os.path.join(debs, f"{p}_*.deb"))]
    if missing:
        log(f"apt-get download {' '.join(missing)}")
        result = subprocess.run(
            ["apt-get", "download", *missing], cwd=debs, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"apt-get download failed: {result.stderr.strip()}")
    tmp = extract + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for p in packages:
        (deb,) = glob.glob(os.path.join(debs, f"{p}_*.deb"))
        subprocess.run(["dpkg", "-x", deb, tmp], check=True)
    shutil.rmtree(extract, ignore_errors=True)
    os.replace(tmp, extract)
    open(done, "w").close()
    return extract


def flatness(gray):
    """Share of near-flat pixels of an 8-bit image at ``MEASURE_SIDE``.

    Box-downsamples so the short side is ``MEASURE_SIDE`` px (if larger),
    then counts pixels whose 4-neighbour Laplacian is below 2 grey levels.
    """
    image = Image.fromarray(np.asarray(gray, np.uint8))
    scale = MEASURE_SIDE / min(image.size)
    if scale < 1:
        image = image.resize(
            (round(image.size[0] * scale), round(image.size[1] * scale)), Image.BOX
        )
    g = np.asarray(image, np.float64)
    lap = np.abs(
        4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    )
    return float((lap < 2).mean())


def group_name(filename):
    """One group per artwork: drops suffixes of size, light/dark, portrait.

    "Sway_Wallpaper_Blue_1920x1080.png" -> "Sway_Wallpaper_Blue",
    "licorice-d.webp" -> "licorice"; skimage's stereo pair -> "motorcycle".
    """
    stem = os.path.splitext(os.path.basename(filename))[0]
    stem = re.sub(r"_Portrait$", "", stem)
    stem = re.sub(r"_\d+x\d+$", "", stem)
    stem = re.sub(r"-[ld]$", "", stem)
    stem = re.sub(r"_(left|right)$", "", stem)
    return re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-")


def candidates(extract):
    """[(path, origin)] of every image in the unpacked packages, one per
    group for the multi-size wallpapers (the largest landscape one)."""
    paths = sorted(
        p
        for p in glob.glob(os.path.join(extract, "**", "*"), recursive=True)
        if p.lower().endswith(SUFFIXES) and os.path.isfile(p)
    )
    by_size = {}
    for p in paths:
        m = re.search(r"_(\d+)x(\d+)(_Portrait)?\.\w+$", p)
        if m:
            key = group_name(p)
            area = int(m.group(1)) * int(m.group(2)) * (0 if m.group(3) else 1)
            if key not in by_size or area > by_size[key][0]:
                by_size[key] = (area, p)
    keep = {p for _, p in by_size.values()}
    return [
        (p, "debian")
        for p in paths
        if not re.search(r"_\d+x\d+(_Portrait)?\.\w+$", p) or p in keep
    ]


def _gray(path):
    # Trusted packaged wallpapers, up to 24 MP: the decompression-bomb limit
    # is lifted for this read alone (it was left off for the whole process,
    # and a later detect in it would have decoded a 400 MP bomb).
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        return images.to_gray(Image.open(path), path, convert_color=True)
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def photo_covers(
    folder,
    cache=None,
    size=64,
    stride=None,
    side=512,
    max_per_photo=250,
    split=(None, 5, 10),
    seed=0,
    min_std=1.0,
    log=print,
):
    """Writes (once) a cover set of tiles of scikit-image + Debian photos.

    Args:
        folder: output folder (``<group>_<row>_<col>.pgm`` + manifest.json +
            sources.json).
        cache: where the packages are fetched and unpacked (default
            ``~/.cache/keras_sasrnet/photos``).
        size: tile side in pixels.
        stride: step between tiles (default ``size``).
        side: each wallpaper is downsampled (MATLAB bicubic) so that its
            short side is this many pixels; scikit-image photos are kept.
        max_per_photo: at most this many tiles per photo (seeded subset).
        split: photos per split (train, val, test), None as train's count
            taking the rest, or fractions (``manifest.split_names``).
        seed: seed of the photo split and of the tile subsets.
        min_std: tiles with a lower pixel standard deviation are dropped.

    Returns:
        The ``Manifest``; every file records its ``group`` (photo).
    """
    stride = stride or size
    cache = cache or os.path.join(demo.default_cache(), "photos")
    info = {
        "source": "scikit-image photographs + Debian wallpapers",
        "packages": list(PACKAGES),
        "max_flatness": MAX_FLATNESS,
        "size": size,
        "stride": stride,
        "side": side,
        "max_per_photo": max_per_photo,
        "split": list(split),
        "seed": seed,
        "min_std": min_std,
    }
    try:
        m = Manifest.load(folder)
        if m.info == info:
            return m
    except (FileNotFoundError, NotADirectoryError):
        pass
    extract = fetch(cache, log=log)
    rows, kept = _kept_photos(extract, side)
    groups = sorted(kept)
    parts = split_names(groups, _counts(split, len(groups)), seed)
    os.makedirs(folder, exist_ok=True)
    atomic.remove_stale(folder)
    files = []
    for group in groups:
        if group not in parts:
            continue
        tiles = _tiles(kept[group], size, stride, min_std)
        if max_per_photo and len(tiles) > max_per_photo:
            rng = np.random.default_rng([seed, groups.index(group)])
            pick = sorted(rng.choice(len(tiles), max_per_photo, replace=False))
            tiles = [tiles[i] for i in pick]
        for k, r, c, crop in tiles:
            name = f"{group}_{k}_{r:04d}_{c:04d}.pgm"
            entry = demo.write_tile(folder, name, crop)
            files.append({**entry, "split": parts[group], "group": group})
    atomic.write_text(
        os.path.join(folder, "sources.json"), json.dumps(rows, indent=1) + "\n"
    )
    manifest = Manifest("spatial", (size, size), files, info)
    manifest.save(folder)
    return manifest


def _kept_photos(extract, side):
    """(sources.json rows, {photo: [gray images]}): every candidate photo,
    flat wallpapers left out, the Debian ones downsampled to a short side of
    ``side``."""
    sources = [
        (os.path.join(demo.photo_dir(), p), "scikit-image") for p in demo.PHOTOS
    ] + candidates(extract)
    rows, kept = [], {}
    for path, origin in sources:
        gray = _gray(path)
        flat = flatness(gray)
        ok = origin == "scikit-image" or flat < MAX_FLATNESS
        rows.append(
            {
                "file": os.path.relpath(path, extract)
                if origin == "debian"
                else os.path.basename(path),
                "origin": origin,
                "group": group_name(path),
                "flatness": round(flat, 4),
                "kept": ok,
            }
        )
        if ok:
            if origin == "debian" and min(gray.shape) > side:
                scale = side / min(gray.shape)
                shape = (round(gray.shape[0] * scale), round(gray.shape[1] * scale))
                gray = resize.imresize(gray, shape)
            kept.setdefault(group_name(path), []).append(gray)
    return rows, kept


def _counts(split, n_photos):
    """``split`` with a None train count made the photos left after val and
    test."""
    if split[0] is not None:
        return split
    n_train = n_photos - split[1] - split[2]
    if n_train < 1:
        raise ValueError(
            f"{n_photos} photos kept; too few for {split[1]} val and "
            f"{split[2]} test photos"
        )
    return (n_train, split[1], split[2])


def _tiles(images, size, stride, min_std):
    """[(image index, row, col, tile)] of a photo's images, flat tiles out."""
    return [
        (k, r, c, w)
        for k, gray in enumerate(images)
        for r, c, w in demo.crops(gray, size, stride)
        if w.std() >= min_std
    ]
