"""Reruns into a folder made with other settings stop (or start over)."""

import json

import pytest

from configs import demo as demo_config
from keras_sasrnet import fingerprint
from keras_sasrnet.data import demo, embed, prepare
from keras_sasrnet.data.manifest import Manifest
from keras_sasrnet.train import pipeline


def test_claim_resumes_same_stops_other_and_overwrites(tmp_path):
    out = tmp_path / "o"
    fingerprint.claim(str(out), {"a": 1, "b": {"c": (1, 2)}}, "things")
    (out / "made.txt").write_text("x")
    fingerprint.claim(str(out), {"a": 1, "b": {"c": [1, 2]}}, "things")  # same
    assert (out / "made.txt").exists()
    with pytest.raises(
        ValueError,
        match=r"holds things made with other settings "
        r"\(b.c: \[1, 2\] -> \[1, 3\]\)",
    ):
        fingerprint.claim(str(out), {"a": 1, "b": {"c": [1, 3]}}, "things")
    assert (out / "made.txt").exists()  # nothing lost
    fingerprint.claim(str(out), {"a": 1, "b": {"c": [1, 3]}}, "things", overwrite=True)
    assert not (out / "made.txt").exists()
    assert json.loads((out / "settings.json").read_text())["b"]["c"] == [1, 3]


def test_embed_into_a_folder_of_other_stegos_stops(tmp_path):
    covers = demo.demo_covers(str(tmp_path / "covers"), size=32, stride=256)
    out = str(tmp_path / "stegos")
    embed.embed_dataset(covers, out, "lsbm", 0.1, workers=1, progress=False)
    with pytest.raises(
        ValueError, match="algorithm: 'lsbm' -> 'hill'.*payload: 0.1 -> 0.4"
    ):
        embed.embed_dataset(covers, out, "hill", 0.4, workers=1, progress=False)
    assert Manifest.load(out).info["algorithm"] == "lsbm"
    m = embed.embed_dataset(
        covers, out, "hill", 0.4, workers=1, progress=False, overwrite=True
    )
    assert m.info["algorithm"] == "hill"


def test_prepare_into_a_folder_of_other_images_stops(tmp_path, cover_folder):
    out = str(tmp_path / "set")
    kw = dict(split=(0.5, 0.25, 0.25), workers=1, progress=False)
    prepare.prepare_dataset(str(cover_folder), out, (16, 16), 75, **kw)
    with pytest.raises(ValueError, match="jpeg_quality: 75 -> 95.*size: \\[16, 16\\]"):
        prepare.prepare_dataset(str(cover_folder), out, (8, 8), 95, **kw)
    assert Manifest.load(out).info["jpeg_quality"] == 75


def test_slim_workdir_with_another_config_stops_before_work(tmp_path):
    c = demo_config.get_config("tiny")
    pipeline.claim_workdir(c, str(tmp_path))
    c.prune.target = 0.25
    with pytest.raises(ValueError, match="prune.target: 0.5 -> 0.25"):
        pipeline.run_slimming(c, str(tmp_path), log=lambda *_: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]


def test_files_get_the_umask_mode_not_0600(tmp_path, cover_folder):
    import os
    import stat

    from keras_sasrnet import atomic, models
    from keras_sasrnet.models.io import save

    old = os.umask(0o022)
    try:
        out = tmp_path / "set"
        prepare.prepare_dataset(
            str(cover_folder),
            str(out),
            split=(0.5, 0.25, 0.25),
            workers=1,
            progress=False,
        )
        save(models.xunet((16, 16, 1)), str(tmp_path / "m.keras"))
        atomic.write_text(str(tmp_path / "t.txt"), "x")
        paths = [
            out / "img00.pgm",
            out / "manifest.json",
            tmp_path / "m.keras",
            tmp_path / "t.txt",
        ]
        for path in paths:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o644, path
        os.umask(0o077)
        atomic.write_text(str(tmp_path / "private.txt"), "x")
        assert stat.S_IMODE(os.stat(tmp_path / "private.txt").st_mode) == 0o600
    finally:
        os.umask(old)
