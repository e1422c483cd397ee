import csv
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_sasrnet import models
from keras_sasrnet.data import images, jpeg
from keras_sasrnet.evaluation import detect
from keras_sasrnet.evaluation.metrics import stego_probability
from keras_sasrnet.models.io import save
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


def test_folder_with_a_corrupt_file(tmp_path, model_file, photo):
    folder = tmp_path / "in"
    folder.mkdir()
    images.write_gray(str(folder / "a.pgm"), photo[:32, :32])
    images.write_gray(str(folder / "b.png"), photo[:48, 8:48])  # another size
    images.write_gray(str(folder / "c.jpg"), photo[:32, :32], quality=90)
    (folder / "d.pgm").write_bytes(b"P5\n32 32\n255\n" + b"\1" * 10)  # truncated
    from PIL import Image

    Image.new("L", (20000, 20000)).save(folder / "e.png")  # 400 MP: a bomb
    out = tmp_path / "scores.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_sasrnet.bin.sasrnet_detect",
            f"--model={model_file}",
            f"--inputs={folder}",
            f"--out={out}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "failed: " in result.stderr and "d.pgm" in result.stderr
    assert "scored 3 of 5 files" in result.stdout and "2 failed" in result.stdout
    rows = {r["file"].rsplit("/", 1)[1]: r for r in csv.DictReader(out.open())}
    assert rows["d.pgm"]["verdict"] == "error" and "truncated" in rows["d.pgm"]["error"]
    assert rows["e.png"]["verdict"] == "error" and "bomb" in rows["e.png"]["error"]
    # The scores are the model's own, image by image, at each image's size.
    model = models.load(str(model_file), input_size=(48, 40))
    expected = stego_probability(
        np.asarray(
            model(
                images.read_gray(str(folder / "b.png")).astype("float32")[
                    None, :, :, None
                ]
            )
        )
    )[0]
    assert float(rows["b.png"]["p_stego"]) == pytest.approx(expected, abs=1e-5)
    for name in ("a.pgm", "b.png", "c.jpg"):
        p = float(rows[name]["p_stego"])
        assert rows[name]["verdict"] == ("stego" if p > 0.5 else "cover")


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


def test_detect_runs_in_float32(tmp_path, model_file, photo):
    from tests.test_precision import probe_tf32

    images.write_gray(str(tmp_path / "a.pgm"), photo[:32, :32])
    result, last = probe_tf32(
        "sasrnet_detect",
        f"--model={model_file}",
        f"--inputs={tmp_path / 'a.pgm'}",
        f"--out={tmp_path / 's.csv'}",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert last == "TF32 False"
    result, last = probe_tf32(
        "sasrnet_detect",
        f"--model={model_file}",
        f"--inputs={tmp_path / 'a.pgm'}",
        f"--out={tmp_path / 's.csv'}",
        "--precision=tf32",
    )
    assert last == "TF32 True"


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
        for s in detect.Detector(model_file).score(detect.expand([str(folder)]))
    }
    small = scores[f"side{stride - 1}.pgm"]
    assert small.probability is None and "too small to score" in small.error
    assert scores[f"side{stride}.pgm"].probability is not None
    assert scores["side40.pgm"].probability is not None


def test_total_stride_counts_the_downsampling_stages():
    assert models.io.total_stride(models.build("srnet", width_scale=1 / 8)) == 16
    assert models.io.total_stride(models.build("xunet")) == 16  # 4 pools, then global
