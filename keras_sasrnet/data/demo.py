"""The embedded demo data: grayscale crops of scikit-image's photographs.

No download: the photographs ship inside scikit-image's wheel
(``skimage/data/*.png|jpg``). Crops are split by *source photo* (never two
crops of one photo in different splits; the stereo motorcycle pair counts as
one source), and near-flat crops (pixel std < 1 grey level, e.g. the black
border of ``retina``) are dropped: nothing can hide in them.
"""

import os

import numpy as np
from PIL import Image

from keras_sasrnet import atomic, fingerprint
from keras_sasrnet.data import embed, images
from keras_sasrnet.data.manifest import Manifest, sha256

# photo file in skimage/data -> split. Chosen for variety in each split.
PHOTOS = {
    "retina.jpg": "train",
    "hubble_deep_field.jpg": "train",
    "motorcycle_left.png": "train",
    "motorcycle_right.png": "train",
    "astronaut.png": "train",
    "brick.png": "train",
    "gravel.png": "train",
    "ihc.png": "train",
    "rocket.jpg": "train",
    "chelsea.png": "val",
    "coins.png": "val",
    "camera.png": "test",
    "coffee.png": "test",
    "grass.png": "test",
    "moon.png": "test",
}


def photo_dir():
    import skimage.data

    return os.path.dirname(skimage.data.__file__)


def default_cache():
    base = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    return os.path.join(base, "keras_sasrnet")


def crops(pixels, size, stride):
    """(row, col, crop) for every size x size window at ``stride``."""
    h, w = pixels.shape
    for r in range(0, h - size + 1, stride):
        for c in range(0, w - size + 1, stride):
            yield r, c, pixels[r : r + size, c : c + size]


def demo_covers(
    folder=None,
    size=64,
    stride=None,
    min_std=1.0,
    max_per_photo=None,
    overwrite=False,
    val_stride=None,
):
    """Writes (once) and returns a cover data set of demo crops.

    Args:
        folder: where to write; default
            ``~/.cache/keras_sasrnet/demo_<size>_<stride>[v<val_stride>]``.
        size: crop side in pixels.
        stride: step between crops (default ``size``: no overlap).
        min_std: drop crops whose pixel standard deviation is below this.
        max_per_photo: keep at most this many crops of one photo (a seeded
            random subset), so that large photos (retina, hubble) do not
            dominate the training set.
        overwrite: if ``folder`` holds demo covers made with other settings,
            start it over (default: stop and say what differs).
        val_stride: step between the validation photos' crops (default
            ``stride``): denser crops make validation accuracy, which picks
            epochs and judges the sparsity guard's rungs, a less noisy
            number; training and test crops are unchanged.

    Returns:
        The folder, holding ``<photo>_<row>_<col>.pgm`` and ``manifest.json``.

    Example:
        >>> covers = demo_covers(size=64)
    """
    stride = stride or size
    val_stride = val_stride or stride
    if size < 8 or stride < 1 or val_stride < 1:
        raise ValueError(
            f"demo crops need size >= 8, stride >= 1, val_stride >= 1; got "
            f"{size}, {stride}, {val_stride}"
        )
    folder = folder or os.path.join(
        default_cache(), f"demo_{size}_{strides(stride, val_stride)}"
    )
    info = {
        "source": "scikit-image photographs",
        "photos": PHOTOS,
        "size": size,
        "stride": stride,
        "min_std": min_std,
        "max_per_photo": max_per_photo,
    }
    if val_stride != stride:  # caches made before val_stride stay valid
        info["val_stride"] = val_stride
    try:
        if Manifest.load(folder).info == info:
            return folder
    except (FileNotFoundError, NotADirectoryError):
        pass
    # Another crop size or stride into the same folder would mix crops:
    # stop (or start over), built in <folder>.partial until complete.
    with atomic.staged_folder(folder) as work:
        fingerprint.claim(work, info, "demo covers", overwrite)
        files = []
        for photo, split in PHOTOS.items():
            path = os.path.join(photo_dir(), photo)
            gray = images.to_gray(Image.open(path), path, convert_color=True)
            stem = os.path.splitext(photo)[0]
            windows = [
                (r, c, w)
                for r, c, w in crops(
                    gray, size, val_stride if split == "val" else stride
                )
                if w.std() >= min_std
            ]
            if max_per_photo and len(windows) > max_per_photo:
                rng = np.random.default_rng(sorted(PHOTOS).index(photo))
                pick = sorted(rng.choice(len(windows), max_per_photo, replace=False))
                windows = [windows[i] for i in pick]
            for r, c, crop in windows:
                name = f"{stem}_{r:04d}_{c:04d}.pgm"
                files.append({**write_tile(work, name, crop), "split": split})
        manifest = Manifest("spatial", (size, size), files, info)
        manifest.save(work)
    return folder


def strides(stride, val_stride):
    """The strides in a cache folder's name: "32", or "32v16" where the
    validation crops have their own."""
    return f"{stride}" if val_stride == stride else f"{stride}v{val_stride}"


def write_tile(folder, name, crop):
    """Writes a crop as ``folder/name`` unless it is there (a resumed run);
    its manifest entry: name, SHA-256 and bytes."""
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        images.write_gray(path, np.ascontiguousarray(crop))
    return {"name": name, "sha256": sha256(path), "bytes": os.path.getsize(path)}


def photo_of(name):
    """The photo a demo crop was cut from: "moon_0032_0096.pgm" -> "moon"."""
    return name.rsplit("_", 2)[0]


def resolve(c, log=print):
    """(covers, stegos) folders; demo data are made (once) in the cache."""
    if not c.data.demo.use:
        return c.data.covers, c.data.stegos
    crop, stride = c.data.demo.crop, c.data.demo.stride or c.data.demo.crop
    val_stride = c.data.demo.val_stride or stride
    cap = c.data.demo.max_per_photo or None
    folder = os.path.join(
        c.data.demo.dir or default_cache(),
        f"demo_{crop}_{strides(stride, val_stride)}_{cap or 'all'}",
    )
    covers = demo_covers(
        folder, size=crop, stride=stride, max_per_photo=cap, val_stride=val_stride
    )
    stegos = f"{covers}_{c.data.demo.algorithm}_{c.data.demo.payload}"
    if not os.path.exists(os.path.join(stegos, "manifest.json")):
        log(f"embedding demo stegos ({c.data.demo.algorithm} {c.data.demo.payload})")
        # The stegos are data, made once: embedded with seed 0 whatever the
        # run's seed (the folder's name has no seed, so a first run with
        # seed 3 would otherwise give every later run its stegos).
        m = embed.embed_dataset(
            covers, stegos, c.data.demo.algorithm, c.data.demo.payload, seed=0
        )
        if m.failed:
            raise ValueError(f"demo embedding failed for {sorted(m.failed)}")
    return covers, stegos
