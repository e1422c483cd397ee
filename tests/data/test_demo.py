import os

import pytest
from PIL import Image

from keras_sasrnet.data import demo
from keras_sasrnet.data.images import read_gray
from keras_sasrnet.data.manifest import Manifest


def test_demo_covers_split_by_photo_and_cached(tmp_path):
    folder = demo.demo_covers(str(tmp_path / "d"), size=64)
    m = Manifest.load(folder)
    photos = {}
    for f in m.files:
        stem = demo.photo_of(f["name"])
        photos.setdefault(stem, set()).add(f["split"])
        assert read_gray(os.path.join(folder, f["name"]), size=(64, 64)).std() >= 1.0
    assert all(len(splits) == 1 for splits in photos.values())
    assert {s for v in photos.values() for s in v} == {"train", "val", "test"}
    assert {p + ext for p in photos for ext in (".png", ".jpg")} & set(
        demo.PHOTOS
    ) == set(photos[p] and p for p in []) | {
        n for n in demo.PHOTOS if os.path.splitext(n)[0] in photos
    }
    assert len(m.names("train")) > len(m.names("test")) > len(m.names("val")) > 0
    stamp = os.stat(os.path.join(folder, "manifest.json")).st_mtime_ns
    assert demo.demo_covers(str(tmp_path / "d"), size=64) == folder
    assert os.stat(os.path.join(folder, "manifest.json")).st_mtime_ns == stamp
    # Files come from the photographs on disk: no network involved.
    assert all(os.path.exists(os.path.join(demo.photo_dir(), p)) for p in demo.PHOTOS)


def test_photo_of_keeps_underscores_in_photo_names():
    assert demo.photo_of("hubble_deep_field_0032_0096.pgm") == "hubble_deep_field"
    assert demo.photo_of("moon_0000_0000.pgm") == "moon"


def test_demo_covers_of_another_size_into_the_same_folder_stop(tmp_path):
    # They were written into the folder beside the old crops, mixing sizes.
    folder = str(tmp_path / "demo")
    demo.demo_covers(folder, size=32, stride=256)
    with pytest.raises(ValueError, match="holds demo covers made with other settings"):
        demo.demo_covers(folder, size=48, stride=256)
    demo.demo_covers(folder, size=48, stride=256, overwrite=True)
    sizes = {
        Image.open(os.path.join(folder, f["name"])).size
        for f in Manifest.load(folder).files
    }
    assert sizes == {(48, 48)}
    assert len(Manifest.load(folder).files) == len(
        [n for n in os.listdir(folder) if n.endswith(".pgm")]
    )
