import os

import numpy as np
import pytest
from PIL import Image

from keras_sasrnet.data import demo
from keras_sasrnet.data.images import read_gray, to_gray
from keras_sasrnet.data.manifest import Manifest


def test_demo_covers_split_by_photo_and_cached(tmp_path):
    folder = demo.demo_covers(str(tmp_path / "d"), size=64)
    m = Manifest.load(folder)
    by_stem = {os.path.splitext(p)[0]: p for p in demo.PHOTOS}
    kept = {stem: set() for stem in by_stem}
    for f in m.files:
        stem = demo.photo_of(f["name"])
        assert f["split"] == demo.PHOTOS[by_stem[stem]], f["name"]
        r, c = (int(v) for v in f["name"][:-4].rsplit("_", 2)[1:])
        kept[stem].add((r, c))
    # Every photo is cut into every 64x64 window at stride 64 but those with
    # a pixel std below 1: a crop is the photo's pixels at its (row, col).
    dropped = {}
    for stem, photo in by_stem.items():
        path = os.path.join(demo.photo_dir(), photo)
        gray = to_gray(Image.open(path), path, convert_color=True)
        h, w = gray.shape
        grid = {(r, c) for r in range(0, h - 63, 64) for c in range(0, w - 63, 64)}
        assert kept[stem] <= grid, stem
        for r, c in grid:
            window = gray[r : r + 64, c : c + 64]
            assert (window.std() >= 1.0) == ((r, c) in kept[stem]), (stem, r, c)
            if (r, c) in kept[stem]:
                name = f"{stem}_{r:04d}_{c:04d}.pgm"
                np.testing.assert_array_equal(
                    read_gray(os.path.join(folder, name), size=(64, 64)), window
                )
        dropped[stem] = len(grid) - len(kept[stem])
    # Only retina's black border is near-flat: every photo gives crops.
    assert [s for s in dropped if dropped[s]] == ["retina"]
    assert all(kept.values())
    assert len(m.names("train")) > len(m.names("test")) > len(m.names("val")) > 0
    stamp = os.stat(os.path.join(folder, "manifest.json")).st_mtime_ns
    assert demo.demo_covers(str(tmp_path / "d"), size=64) == folder
    assert os.stat(os.path.join(folder, "manifest.json")).st_mtime_ns == stamp


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


def test_val_stride_cuts_only_the_validation_photos_denser(tmp_path):
    plain = Manifest.load(demo.demo_covers(str(tmp_path / "a"), size=32, stride=128))
    dense = Manifest.load(
        demo.demo_covers(str(tmp_path / "b"), size=32, stride=128, val_stride=64)
    )
    for split in ("train", "test"):
        assert dense.names(split) == plain.names(split), split
    assert set(plain.names("val")) < set(dense.names("val"))
    # every validation crop on the denser grid, the grid's new points used
    rows_cols = {
        tuple(int(v) for v in n[:-4].rsplit("_", 2)[1:]) for n in dense.names("val")
    }
    assert all(r % 64 == 0 and c % 64 == 0 for r, c in rows_cols)
    assert any(r % 128 or c % 128 for r, c in rows_cols)
    # the setting is part of the folder's fingerprint
    with pytest.raises(ValueError, match="other settings"):
        demo.demo_covers(str(tmp_path / "b"), size=32, stride=128)
    with pytest.raises(ValueError, match="val_stride >= 1"):
        demo.demo_covers(str(tmp_path / "c"), size=32, stride=128, val_stride=-1)


def test_resolve_names_the_cache_by_both_strides_and_embeds_with_seed_0(tmp_path):
    from keras_sasrnet.train.config import base

    c = base()
    c.data.demo.use = True
    c.data.demo.dir = str(tmp_path)
    c.data.demo.crop, c.data.demo.stride, c.data.demo.val_stride = 32, 256, 128
    c.seed = 3  # the run's seed; the demo's stegos are embedded with seed 0
    covers, stegos = demo.resolve(c, log=lambda m: None)
    assert os.path.basename(covers) == "demo_32_256v128_all"
    assert demo.strides(32, 32) == "32"
    assert stegos == f"{covers}_lsbm_0.4"
    assert Manifest.load(stegos).info["seed"] == 0
