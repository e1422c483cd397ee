"""The cover set ``sasrnet_prepare`` makes: from a folder, the demo photos or
the photo set."""

from keras_sasrnet.data.manifest import Manifest, parse_split
from keras_sasrnet.data.prepare import prepare_dataset


def make_covers(
    src,
    out,
    resize=0,
    jpeg_quality=0,
    split=None,
    group_by=None,
    seed=0,
    convert_color=False,
    skip_bad=False,
    workers=0,
    crop=64,
    stride=0,
    photo_side=512,
    overwrite=False,
):
    """The cover set of ``sasrnet_prepare``, its flags as arguments (0: unset).

    ``src`` is a folder (``prepare_dataset``), "demo" (``demo.demo_covers``)
    or "photos" (``photos.photo_covers``, split by photo: counts or fractions,
    default 5 val and 10 test); ``split`` is text (``manifest.parse_split``).
    Demo and photo tiles are ``crop`` pixels wide, ``stride`` apart; photo
    wallpapers are first downsampled to a short side of ``photo_side``.
    Returns the set's ``Manifest``.
    """
    from keras_sasrnet.data import demo, photos

    if src == "demo":
        folder = demo.demo_covers(out, crop, stride or None, overwrite=overwrite)
        return Manifest.load(folder)
    if src == "photos":
        parts = (None, 5, 10) if split is None else parse_split(split)
        if parts == "paper":
            raise ValueError("--src=photos splits photos: give counts or fractions")
        return photos.photo_covers(
            out,
            size=crop,
            stride=stride or None,
            side=photo_side,
            split=parts,
            seed=seed,
        )
    return prepare_dataset(
        src,
        out,
        (resize, resize) if resize else None,
        jpeg_quality or None,
        None if split is None else parse_split(split),
        seed,
        convert_color,
        skip_bad,
        workers or None,
        group_by=group_by,
        overwrite=overwrite,
    )
