import csv
import subprocess
import sys

import keras
import numpy as np
import pytest
import skimage.data
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from keras_sasrnet import models
from keras_sasrnet.data import images
from keras_sasrnet.export import convert
from keras_sasrnet.models.formats import open_detector
from keras_sasrnet.models.io import save
from keras_sasrnet.models.litert import LiteRTModel
from tests.conftest import randomize_bns


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    model = randomize_bns(models.build("srnet", 1 / 8, input_shape=(32, 32, 1)))
    path = root / "m.keras"
    save(model, str(path))
    models.io.write_metadata(str(path), {"domain": "spatial", "input_size": [32, 32]})
    x = np.random.default_rng(0).uniform(0, 255, (8, 32, 32, 1)).astype("float32")
    return root, model, path, x


def test_float_tflite_matches_keras(tiny):
    root, model, _, x = tiny
    path = root / "f32.tflite"
    size = convert.export_tflite(
        model, str(path), "float32", metadata={"domain": "spatial"}
    )
    assert size == path.stat().st_size > 1000
    lite = LiteRTModel(str(path))
    assert (
        lite.metadata["precision"] == "float32" and lite.metadata["domain"] == "spatial"
    )
    logits = np.concatenate([lite(x[i : i + 1]) for i in range(len(x))])
    assert np.max(np.abs(logits - np.asarray(model(x)))) < 1e-4
    # the shortcuts' Subsample2D + 1x1 conv are exported as one strided conv
    ops = {op["op_name"] for op in Interpreter(model_path=str(path))._get_ops_details()}
    assert "CONV_2D" in ops and "STRIDED_SLICE" not in ops


@pytest.mark.slow
def test_every_precision_converts_and_runs(tiny):
    root, model, _, x = tiny
    sizes = {}
    for mode in convert.MODES:
        path = root / f"{mode}.tflite"
        sizes[mode] = convert.export_tflite(model, str(path), mode, representative=x)
        assert np.all(np.isfinite(LiteRTModel(str(path))(x[:1])))
    assert sizes["int8"] < sizes["float16"] < sizes["float32"]
    with pytest.raises(ValueError, match="needs representative images"):
        convert.export_tflite(model, str(root / "no.tflite"), "int8")
    with pytest.raises(ValueError, match="one of"):
        convert.export_tflite(model, str(root / "no.tflite"), "int4")


def _lsbm_pairs(rng, n):
    """32x32 crops of real photos and their LSB-matching stegos at 1 bpp."""
    crops = []
    for photo in (skimage.data.camera(), skimage.data.moon(), skimage.data.text()):
        h, w = photo.shape
        for _ in range(n // 3 + 1):
            i, j = rng.integers(0, h - 32), rng.integers(0, w - 32)
            crops.append(photo[i : i + 32, j : j + 32])
    covers = np.stack(crops[:n]).astype("float32")[..., None]
    change = rng.choice([-1.0, 0.0, 0.0, 1.0], covers.shape).astype("float32")
    stegos = np.clip(covers + change, 0, 255)
    x = np.concatenate([covers, stegos])
    y = np.concatenate([np.zeros(n, "int32"), np.ones(n, "int32")])
    return x, y


@pytest.fixture(scope="module")
def trained_xunet():
    """A full-width XuNet that detects LSB matching on 32x32 crops (~10 s)."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = _lsbm_pairs(rng, 1500)
    model = models.build("xunet", input_shape=(32, 32, 1))
    model.compile(
        keras.optimizers.Adam(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x, y, batch_size=32, epochs=6, shuffle=True, verbose=0)
    return model, x[::10], _lsbm_pairs(rng, 150)


def test_int8_agrees_with_float_on_a_trained_detector(trained_xunet, tmp_path):
    model, calibration, (x, y) = trained_xunet
    float_decisions = np.argmax(np.asarray(model(x)), axis=1)
    assert np.mean(float_decisions == y) > 0.75, "the detector did not learn"
    path = tmp_path / "int8.tflite"
    convert.export_tflite(model, str(path), "int8", representative=calibration)
    lite = LiteRTModel(str(path))
    assert lite.metadata["float_layers"] == ["hpf", "g1_conv", "g1_abs", "g1_bn"]
    logits = np.concatenate([lite(x[i : i + 1]) for i in range(len(x))])
    assert np.mean(np.argmax(logits, axis=1) == float_decisions) >= 0.95


def test_savedmodel_serves_two_sizes(tiny):
    root, model, _, _ = tiny
    folder = convert.export_savedmodel(
        model, str(root / "saved"), {"domain": "spatial"}
    )
    serving = tf.saved_model.load(folder).signatures["serving_default"]
    dynamic = models.io.reinput(model, (None, None))
    for shape in ((2, 32, 32, 1), (1, 48, 40, 1)):
        x = np.random.default_rng(1).uniform(0, 255, shape).astype("float32")
        out = next(iter(serving(tf.constant(x)).values())).numpy()
        np.testing.assert_allclose(out, np.asarray(dynamic(x)), atol=1e-4)
    with pytest.raises(ValueError, match="runs the TensorFlow ops stored in its graph"):
        open_detector(folder)  # not trusted unless asked
    _, metadata = open_detector(folder, trust_savedmodel=True)
    assert metadata["domain"] == "spatial" and metadata["format"] == "savedmodel"


@pytest.mark.slow
def test_tflite_scores_a_folder_through_detect(tiny, photo):
    root, model, _, _ = tiny
    path = root / "detect.tflite"
    convert.export_tflite(model, str(path), "float32", metadata={"domain": "spatial"})
    folder = root / "images"
    folder.mkdir()
    for k in range(3):
        images.write_gray(str(folder / f"{k}.pgm"), photo[k : k + 32, :32])
    out = root / "scores.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_sasrnet.bin.sasrnet_detect",
            f"--model={path}",
            f"--inputs={folder}",
            f"--out={out}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 3
    x = np.stack(
        [images.read_gray(r["file"]).astype("float32")[:, :, None] for r in rows]
    )
    logits = np.asarray(model(x))
    expected = 1 / (1 + np.exp(logits[:, 0] - logits[:, 1]))
    np.testing.assert_allclose([float(r["p_stego"]) for r in rows], expected, atol=1e-5)
