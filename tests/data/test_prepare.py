import json
import os

import numpy as np
import pytest
from PIL import Image

from keras_sasrnet.data import demo, images, jpeg, photos, prepare, resize
from keras_sasrnet.data.images import ImageError
from keras_sasrnet.data.manifest import Manifest, parse_split, sha256, split_names
from tests.binaries import run_binary


def test_split_counts_fractions_and_seed():
    names = [f"{i}.pgm" for i in range(10)]
    parts = split_names(names, (6, 2, 2), seed=1)
    assert sorted(parts.values()).count("train") == 6
    assert parts == split_names(list(reversed(names)), (6, 2, 2), seed=1)
    assert parts != split_names(names, (6, 2, 2), seed=2)
    fractions = split_names(names, (0.5, 0.2, 0.3))
    assert [list(fractions.values()).count(s) for s in ("train", "val", "test")] == [
        5,
        2,
        3,
    ]
    assert len(split_names(names, (3, 1, 1))) == 5  # the rest are left out
    with pytest.raises(ValueError, match="needs 10000 images; the source has 10"):
        split_names(names, "paper")
    with pytest.raises(ValueError, match="sum to 1"):
        split_names(names, (0.5, 0.2, 0.2))
    assert parse_split("4000,1000,5000") == (4000, 1000, 5000)
    assert parse_split("0.8,0.1,0.1") == (0.8, 0.1, 0.1)
    with pytest.raises(ValueError, match="received 'a,b'"):
        parse_split("a,b")


def test_split_spec_cannot_confuse_counts_and_fractions():
    # "0,0,1" once read as counts: 1 test image, 1,363 of 1,364 left out.
    for text in ("0,0,1", "1,0,0", "1,1,0"):
        with pytest.raises(ValueError, match="ambiguous"):
            parse_split(text)
    assert parse_split("0,0,1.0") == (0.0, 0.0, 1.0)
    assert parse_split("60%,20%,20%") == pytest.approx((0.6, 0.2, 0.2))
    assert parse_split("2,1,1") == (2, 1, 1)


def _tiles(folder, photos, per_photo, size=16, nested=None):
    rng = np.random.default_rng(0)
    for p in photos:
        target = folder / nested[p] if nested else folder
        target.mkdir(parents=True, exist_ok=True)
        for k in range(per_photo):
            pixels = rng.integers(0, 256, (size, size), dtype=np.uint8)
            images.write_gray(str(target / f"{p}_{k}.pgm"), pixels)


def test_group_by_keeps_the_tiles_of_one_photo_in_one_split(tmp_path):
    photos = [f"photo{i}" for i in range(6)]
    _tiles(tmp_path / "src", photos, 3)
    m = prepare.prepare_dataset(
        str(tmp_path / "src"),
        str(tmp_path / "out"),
        split=(4, 1, 1),
        group_by=r"^(.*)_\d+",
        workers=1,
        progress=False,
    )
    where = {}
    for f in m.files:
        assert f["group"] == f["name"].rsplit("_", 1)[0]
        where.setdefault(f["group"], set()).add(f["split"])
    assert all(len(s) == 1 for s in where.values())  # no photo straddles splits
    counts = [
        sum(1 for s in where.values() if part in s) for part in ("train", "val", "test")
    ]
    assert counts == [4, 1, 1]  # counts count photos, not files
    assert len(m.files) == 18 and m.info["group_by"] == r"^(.*)_\d+"
    # Without grouping, some photo of the same source straddles splits.
    flat = prepare.prepare_dataset(
        str(tmp_path / "src"),
        str(tmp_path / "flat"),
        split=(0.5, 0.25, 0.25),
        workers=1,
        progress=False,
    )
    spread = {}
    for f in flat.files:
        spread.setdefault(f["name"].rsplit("_", 1)[0], set()).add(f["split"])
    assert any(len(s) > 1 for s in spread.values())
    with pytest.raises(ValueError, match="does not match 'photo0_0.pgm'"):
        prepare.prepare_dataset(
            str(tmp_path / "src"),
            str(tmp_path / "bad"),
            split=(4, 1, 1),
            group_by="^nomatch",
            workers=1,
            progress=False,
        )
    assert not (tmp_path / "bad").exists()  # refused before any work
    fewer = prepare.prepare_dataset(
        str(tmp_path / "src"),
        str(tmp_path / "fewer"),
        split=(2, 1, 1),
        group_by=r"^(.*)_\d+",
        workers=1,
        progress=False,
    )
    assert len(fewer.files) == 12 and fewer.info["left_out"] == 6  # 2 photos


def test_presplit_source_keeps_its_folders(tmp_path):
    nested = {"a": "train", "b": "train", "c": "val", "d": "test"}
    _tiles(tmp_path / "src", list(nested), 2, nested=nested)
    m = prepare.prepare_dataset(
        str(tmp_path / "src"), str(tmp_path / "out"), workers=1, progress=False
    )
    assert {f["name"]: f["split"] for f in m.files} == {
        f"{p}_{k}.pgm": part for p, part in nested.items() for k in range(2)
    }
    assert m.info["split"] == "presplit" and m.info["left_out"] == 0
    with pytest.raises(ValueError, match="already split"):
        prepare.prepare_dataset(
            str(tmp_path / "src"),
            str(tmp_path / "o2"),
            split=(0.5, 0.25, 0.25),
            workers=1,
            progress=False,
        )
    # A photo whose tiles sit in two splits is a leak: refused.
    _tiles(tmp_path / "src", ["a"], 1, nested={"a": "test"})
    (tmp_path / "src" / "test" / "a_0.pgm").rename(
        tmp_path / "src" / "test" / "a_9.pgm"
    )
    with pytest.raises(ValueError, match="more than one split.*'a'"):
        prepare.prepare_dataset(
            str(tmp_path / "src"),
            str(tmp_path / "o3"),
            group_by=r"^(.*)_\d+",
            workers=1,
            progress=False,
        )


def test_prepare_resize_jpeg_and_manifest(cover_folder, tmp_path):
    out = tmp_path / "q75"
    m = prepare.prepare_dataset(
        str(cover_folder),
        str(out),
        size=(16, 16),
        jpeg_quality=75,
        split=(8, 2, 2),
        workers=2,
        progress=False,
    )
    assert m.domain == "jpeg" and m.size == (16, 16)
    assert len(m.files) == 12 and sorted(m.names()) == [
        f"img{k:02d}.jpg" for k in range(12)
    ]
    assert Manifest.load(str(out)) == m
    for f in m.files:
        path = str(out / f["name"])
        assert f["sha256"] == sha256(path)
        assert jpeg.read_pixels(path, size=(16, 16)).shape == (16, 16)
    assert m.info["jpeg_quality"] == 75


def test_bad_source_stops_with_its_name_or_is_skipped(cover_folder, tmp_path):
    (cover_folder / "img03.pgm").write_bytes(b"P5\n32 32\n255\n" + b"\0" * 100)
    with pytest.raises(ImageError, match="img03.pgm"):
        prepare.prepare_dataset(
            str(cover_folder),
            str(tmp_path / "a"),
            split=(0.5, 0.25, 0.25),
            workers=1,
            progress=False,
        )
    m = prepare.prepare_dataset(
        str(cover_folder),
        str(tmp_path / "b"),
        split=(0.5, 0.25, 0.25),
        skip_bad=True,
        workers=1,
        progress=False,
    )
    assert list(m.failed) == ["img03.pgm"] and len(m.files) == 11


def test_links_out_of_the_source_and_other_formats_stop_it_or_are_listed(
    cover_folder, tmp_path
):
    """The rule: a symbolic link whose target is outside the source folder is
    never followed, and a file in an image format the readers do not take is
    never dropped without a word: either stops the run, naming the file, or
    (--skip_bad) is listed in the manifest's failed files with the reason."""
    outside = tmp_path / "elsewhere.pgm"
    outside.write_bytes((cover_folder / "img00.pgm").read_bytes())
    (cover_folder / "link.pgm").symlink_to(outside)
    (cover_folder / "inside.pgm").symlink_to(cover_folder / "img01.pgm")
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(cover_folder / "anim.gif")
    kwargs = dict(split=(0.5, 0.25, 0.25), workers=1, progress=False)
    with pytest.raises(ValueError, match=r"anim.gif: unsupported image format .*more"):
        prepare.prepare_dataset(str(cover_folder), str(tmp_path / "a"), **kwargs)
    assert not (tmp_path / "a").exists()
    m = prepare.prepare_dataset(
        str(cover_folder), str(tmp_path / "b"), skip_bad=True, **kwargs
    )
    assert sorted(m.failed) == ["anim.gif", "link.pgm"]
    assert "not followed" in m.failed["link.pgm"]
    names = sorted(f["name"] for f in m.files)
    assert "inside.pgm" in names and "link.pgm" not in names  # a link within: kept
    assert len(names) == 13


def test_sizes_must_agree_without_resize(cover_folder, tmp_path):
    images.write_gray(str(cover_folder / "odd.pgm"), np.zeros((20, 32), np.uint8))
    with pytest.raises(ValueError, match="differ in size"):
        prepare.prepare_dataset(
            str(cover_folder),
            str(tmp_path / "o"),
            split=(0.5, 0.25, 0.25),
            workers=1,
            progress=False,
        )


def test_rerun_keeps_finished_files(cover_folder, tmp_path):
    out = tmp_path / "p"
    kwargs = dict(split=(0.5, 0.25, 0.25), workers=1, progress=False)
    first = prepare.prepare_dataset(str(cover_folder), str(out), **kwargs)
    stamp = os.stat(out / "img00.pgm").st_mtime_ns
    os.remove(out / "img05.pgm")
    second = prepare.prepare_dataset(str(cover_folder), str(out), **kwargs)
    assert second == first
    assert os.stat(out / "img00.pgm").st_mtime_ns == stamp


def test_config_errors(cover_folder, tmp_path):
    with pytest.raises(ValueError, match="jpeg_quality must be in"):
        prepare.prepare_dataset(str(cover_folder), str(tmp_path), jpeg_quality=101)
    with pytest.raises(ValueError, match="divisible by 8"):
        prepare.prepare_dataset(str(cover_folder), str(tmp_path), (20, 20), 75)
    with pytest.raises(NotADirectoryError, match="no such directory"):
        prepare.prepare_dataset(str(tmp_path / "none"), str(tmp_path / "o"))


def test_prepare_binary_with_default_flags_splits_a_folder_of_24_images(tmp_path):
    # The default split once was BOSSbase's 4000/1000/5000 images: a folder
    # of 24 stopped with "needs 10000 images".
    _tiles(tmp_path / "src", ["p"], 24)
    result = run_binary(
        "sasrnet_prepare", f"--src={tmp_path / 'src'}", f"--out={tmp_path / 'out'}"
    )
    assert result.code == 0, result.stderr[-2000:]
    m = Manifest.load(str(tmp_path / "out"))
    counts = [len(m.names(s)) for s in ("train", "val", "test")]
    assert counts == [10, 2, 12] and m.info["split"] == "proportional"
    assert (
        "'proportional' (the default"
        in run_binary("sasrnet_prepare", "--helpfull").stdout
    )


def test_proportional_split_gives_every_split_an_image_from_three_up():
    for n, expected in ((3, [1, 1, 1]), (4, [1, 1, 2]), (10, [4, 1, 5])):
        parts = list(
            split_names([f"{i}.pgm" for i in range(n)], "proportional").values()
        )
        assert [parts.count(s) for s in ("train", "val", "test")] == expected, n
    assert parse_split("proportional") == "proportional"


def test_a_pre_split_source_without_val_is_an_error_naming_it(tmp_path):
    nested = {"a": "train", "b": "test"}
    _tiles(tmp_path / "src", list(nested), 2, nested=nested)
    with pytest.raises(ValueError, match="has no val/ subfolder"):
        prepare.prepare_dataset(
            str(tmp_path / "src"), str(tmp_path / "out"), workers=1, progress=False
        )
    assert not (tmp_path / "out").exists()


def test_prepare_binary_cuts_demo_crops(tmp_path):
    out = tmp_path / "demo"
    result = run_binary(
        "sasrnet_prepare", "--src=demo", f"--out={out}", "--crop=32", "--stride=256"
    )
    assert result.code == 0, result.stderr[-2000:]
    m = Manifest.load(str(out))
    assert (m.domain, tuple(m.size)) == ("spatial", (32, 32))
    assert (m.info["size"], m.info["stride"]) == (32, 256)
    stems = {os.path.splitext(p)[0]: p for p in demo.PHOTOS}
    where = {}
    for f in m.files:
        stem = demo.photo_of(f["name"])
        assert f["split"] == demo.PHOTOS[stems[stem]], f["name"]
        r, c = (int(v) for v in f["name"][:-4].rsplit("_", 2)[1:])
        assert r % 256 == 0 and c % 256 == 0, f["name"]
        assert images.read_gray(str(out / f["name"]), size=(32, 32)).std() >= 1
        where.setdefault(stem, set()).add((r, c))
    assert set(where) == set(stems)  # every photo gives crops
    assert where["camera"] == {(0, 0), (0, 256), (256, 0), (256, 256)}  # 512x512
    assert sorted(n for n in os.listdir(out) if n.endswith(".pgm")) == sorted(m.names())
    counts = {s: len(m.names(s)) for s in ("train", "val", "test")}
    assert f"{out}: {len(m.files)} spatial images of 32x32, split {counts}" in (
        result.stdout
    )


def test_prepare_binary_tiles_photos_split_by_photo(tmp_path, monkeypatch):
    # The wallpaper packages as unpacked where the photo source looks for
    # them (XDG_CACHE_HOME): nothing is downloaded.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    extract = tmp_path / "cache" / "keras_sasrnet" / "photos" / "extract"
    walls = extract / "usr" / "share" / "backgrounds"
    walls.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for w, h in ((150, 100), (300, 200)):  # one wallpaper in two sizes
        Image.fromarray(rng.integers(0, 256, (h, w, 3), np.uint8)).save(
            walls / f"Grain_{w}x{h}.png"
        )
    Image.fromarray(rng.integers(0, 256, (90, 120), np.uint8)).save(walls / "sand.png")
    flat = np.tile(np.linspace(0, 255, 400), (300, 1)).astype(np.uint8)
    Image.fromarray(flat).save(walls / "gradient.png")
    (extract / ".done").touch()
    out = tmp_path / "photos"
    result = run_binary(
        "sasrnet_prepare",
        "--src=photos",
        f"--out={out}",
        "--crop=32",
        "--stride=256",
        "--photo_side=64",
    )
    assert result.code == 0, result.stderr[-2000:]
    m = Manifest.load(str(out))
    assert (m.domain, tuple(m.size)) == ("spatial", (32, 32))
    where = {}
    for f in m.files:
        assert f["name"].startswith(f["group"] + "_")
        where.setdefault(f["group"], set()).add(f["split"])
    groups = {photos.group_name(p) for p in demo.PHOTOS} | {"Grain", "sand"}
    assert set(where) == groups and len(groups) == 16  # gradient: flat artwork
    assert all(len(s) == 1 for s in where.values())  # split by photo
    # The default split: 5 val and 10 test photos, train the rest.
    per_split = [
        sum(s == {p} for s in where.values()) for p in ("train", "val", "test")
    ]
    assert per_split == [1, 5, 10]
    # Wallpapers are downsampled to --photo_side (the largest size is read).
    grain = [f["name"] for f in m.files if f["group"] == "Grain"]
    assert grain == ["Grain_0_0000_0000.pgm"]
    gray = images.to_gray(
        Image.open(walls / "Grain_300x200.png"), "Grain", convert_color=True
    )
    np.testing.assert_array_equal(
        images.read_gray(str(out / grain[0])),
        resize.imresize(gray, (64, 96))[:32, :32],
    )
    sources = json.loads((out / "sources.json").read_text())
    kept = {r["group"]: r["kept"] for r in sources if r["origin"] == "debian"}
    assert kept == {"Grain": True, "sand": True, "gradient": False}
    assert f"{out}: {len(m.files)} spatial images of 32x32" in result.stdout
