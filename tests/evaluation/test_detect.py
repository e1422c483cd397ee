import csv
import os
import struct
import zlib

import numpy as np
import pytest

from keras_sasrnet import models
from keras_sasrnet.data import images, jpeg
from keras_sasrnet.evaluation import detect
from keras_sasrnet.evaluation.metrics import stego_probability
from keras_sasrnet.models.io import save
from tests.binaries import run_binary, run_in_each_precision
from tests.conftest import randomize_bns


@pytest.fixture
def model_file(tmp_path):
    model = randomize_bns(models.xunet((32, 32, 1)))
    path = tmp_path / "m.keras"
    save(model, str(path))
    models.io.write_metadata(str(path), {"domain": "spatial", "input_size": [32, 32]})
    return path


def test_metadata_travels_in_the_model_file(model_file):
    assert models.io.read_metadata(str(model_file))["domain"] == "spatial"
    models.io.write_metadata(str(model_file), {"domain": "jpeg"})
    assert models.io.read_metadata(str(model_file)) == {"domain": "jpeg"}
    assert models.load(str(model_file)).name == "xunet"  # Keras still loads it


def _png_claiming(width, height):
    """A 65-byte PNG whose header claims ``width`` x ``height`` pixels."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_folder_with_a_corrupt_file(tmp_path, model_file, photo):
    folder = tmp_path / "in"
    folder.mkdir()
    images.write_gray(str(folder / "a.pgm"), photo[:32, :32])
    images.write_gray(str(folder / "b.png"), photo[:48, 8:48])  # another size
    images.write_gray(str(folder / "c.jpg"), photo[:32, :32], quality=90)
    (folder / "d.pgm").write_bytes(b"P5\n32 32\n255\n" + b"\1" * 10)  # truncated
    (folder / "e.png").write_bytes(_png_claiming(20000, 20000))  # 400 MP: a bomb
    out = tmp_path / "scores.csv"
    result = run_binary(
        "sasrnet_detect", f"--model={model_file}", f"--inputs={folder}", f"--out={out}"
    )
    assert result.code == 1
    assert "failed: " in result.stderr and "d.pgm" in result.stderr
    assert "scored 3 of 5 files" in result.stdout and "2 failed" in result.stdout
    rows = {r["file"].rsplit("/", 1)[1]: r for r in csv.DictReader(out.open())}
    assert rows["d.pgm"]["verdict"] == "error" and "truncated" in rows["d.pgm"]["error"]
    assert rows["e.png"]["verdict"] == "error" and "bomb" in rows["e.png"]["error"]
    # The scores are the model's own, image by image, at each image's size.
    for name in ("a.pgm", "b.png", "c.jpg"):
        x = images.read_gray(str(folder / name)).astype("float32")
        model = models.load(str(model_file), input_size=x.shape)
        expected = stego_probability(np.asarray(model(x[None, :, :, None])))[0]
        p = float(rows[name]["p_stego"])
        assert p == pytest.approx(expected, abs=1e-5), name
        assert rows[name]["verdict"] == ("stego" if p > 0.5 else "cover")


def test_links_out_of_a_folder_and_other_formats_are_listed_not_scored(
    tmp_path, model_file, photo
):
    folder = tmp_path / "in"
    folder.mkdir()
    images.write_gray(str(folder / "a.pgm"), photo[:32, :32])
    images.write_gray(str(tmp_path / "outside.pgm"), photo[:32, :32])
    (folder / "link.pgm").symlink_to(tmp_path / "outside.pgm")
    (folder / "bits.pbm").write_bytes(b"P4\n8 8\n" + bytes(8))
    out = tmp_path / "scores.csv"
    result = run_binary(
        "sasrnet_detect", f"--model={model_file}", f"--inputs={folder}", f"--out={out}"
    )
    assert result.code == 1 and "scored 1 of 3 files" in result.stdout
    rows = {r["file"].rsplit("/", 1)[1]: r for r in csv.DictReader(out.open())}
    assert rows["link.pgm"]["verdict"] == "error"
    assert "not followed" in rows["link.pgm"]["error"]
    assert "unsupported image format (.pbm)" in rows["bits.pbm"]["error"]
    assert rows["a.pgm"]["verdict"] in ("cover", "stego")


def test_jpeg_domain_models_get_unrounded_pixels(tmp_path, model_file, photo):
    path = tmp_path / "x.jpg"
    images.write_gray(str(path), photo[:32, :32], quality=75)
    np.testing.assert_array_equal(
        detect.read_for("jpeg", str(path))[..., 0], jpeg.read_pixels(str(path))
    )
    spatial = detect.read_for("spatial", str(path))[..., 0]
    np.testing.assert_array_equal(spatial, np.round(spatial))
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        detect.expand([str(tmp_path / "nothing")])


def test_detect_runs_in_float32(tmp_path, model_file, photo, restore_precision):
    images.write_gray(str(tmp_path / "a.pgm"), photo[:32, :32])
    model = models.load(str(model_file))
    x = photo[None, :32, :32, None].astype("float32")
    expected = stego_probability(np.asarray(model(x)))[0]
    # Without --precision it runs in true float32; both runs score the image
    # as Keras does.
    outputs = run_in_each_precision(
        "sasrnet_detect",
        f"--model={model_file}",
        f"--inputs={tmp_path / 'a.pgm'}",
        out=lambda tf32: tmp_path / f"tf32_{tf32}.csv",
    )
    for out in outputs.values():
        (row,) = csv.DictReader(out.open())
        assert float(row["p_stego"]) == pytest.approx(expected, abs=1e-5)


def test_images_smaller_than_the_total_stride_are_not_scored(
    tmp_path, model_file, photo
):
    folder = tmp_path / "sizes"
    folder.mkdir()
    stride = models.io.total_stride(models.load(model_file))
    for side in (stride - 1, stride, 40):
        images.write_gray(str(folder / f"side{side}.pgm"), photo[:side, :side])
    scores = {
        os.path.basename(s.path): s
        for s in detect.Detector(model_file).score(detect.expand([str(folder)])[0])
    }
    small = scores[f"side{stride - 1}.pgm"]
    assert small.probability is None and "too small to score" in small.error
    for side in (stride, 40):  # the model's own output at the image's size
        model = models.load(str(model_file), input_size=(side, side))
        x = photo[None, :side, :side, None].astype("float32")
        expected = stego_probability(np.asarray(model(x)))[0]
        got = scores[f"side{side}.pgm"]
        assert got.probability == pytest.approx(expected, abs=1e-5), got.error


def test_total_stride_counts_the_downsampling_stages():
    assert models.io.total_stride(models.build("srnet", width_scale=1 / 8)) == 16
    assert models.io.total_stride(models.build("xunet")) == 16  # 4 pools, then global
