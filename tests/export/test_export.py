import csv
import functools
import os

import keras
import numpy as np
import pytest
import skimage.data
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from keras_sasrnet import models
from keras_sasrnet.data import demo, embed, images
from keras_sasrnet.evaluation.metrics import stego_probability
from keras_sasrnet.export import convert, latency
from keras_sasrnet.models.formats import format_of, open_detector
from keras_sasrnet.models.io import save
from keras_sasrnet.models.litert import LiteRTModel
from keras_sasrnet.models.onnx_runtime import OnnxModel
from tests.binaries import run_binary
from tests.conftest import randomize_bns


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    keras.utils.set_random_seed(0)  # the tolerances below were measured on it
    model = randomize_bns(models.build("srnet", 1 / 8, input_shape=(32, 32, 1)))
    path = root / "m.keras"
    save(model, str(path))
    models.io.write_metadata(str(path), {"domain": "spatial", "input_size": [32, 32]})
    x = np.random.default_rng(0).uniform(0, 255, (8, 32, 32, 1)).astype("float32")
    return root, model, path, x


@pytest.fixture(scope="module")
def tflite(tiny):
    """``tflite(mode)``: (path, size) of the tiny model at a precision.

    Each conversion costs 3-5 s; each mode is converted once per module, on
    first use.
    """
    root, model, _, x = tiny

    @functools.cache
    def convert_once(mode):
        path = root / f"{mode}.tflite"
        size = convert.export_tflite(
            model, str(path), mode, representative=x, metadata={"domain": "spatial"}
        )
        return path, size

    return convert_once


def lite_logits(path, x):
    lite = LiteRTModel(str(path))
    return np.concatenate([lite(x[i : i + 1]) for i in range(len(x))])


def test_float_tflite_matches_keras(tiny, tflite):
    _, model, _, x = tiny
    path, size = tflite("float32")
    assert size == path.stat().st_size > 1000
    lite = LiteRTModel(str(path))
    assert (
        lite.metadata["precision"] == "float32" and lite.metadata["domain"] == "spatial"
    )
    logits = lite_logits(path, x)
    assert np.max(np.abs(logits - np.asarray(model(x)))) < 1e-4
    # the shortcuts' Subsample2D + 1x1 conv are exported as one strided conv
    ops = {op["op_name"] for op in Interpreter(model_path=str(path))._get_ops_details()}
    assert "CONV_2D" in ops and "STRIDED_SLICE" not in ops


# Largest |TFLite - Keras| logit, as a fraction of how far the logits of the
# test images are from their mean (an output that ignores its input misses by
# at least half of that). Measured on the tiny model: float16 0.004, dynamic
# 0.08, int8 0.25; input scaled to [0, 1] or another model's weights: over 2.
TOLERANCE = {"float32": 1e-3, "float16": 0.02, "dynamic": 0.2, "int8": 0.45}


@pytest.mark.slow
def test_every_precision_converts_and_runs(tiny, tflite):
    root, model, _, x = tiny
    reference = np.asarray(model(x))
    spread = np.max(np.abs(reference - reference.mean(axis=0)))
    for mode in convert.MODES:
        path, _ = tflite(mode)
        error = np.max(np.abs(lite_logits(path, x) - reference)) / spread
        assert error < TOLERANCE[mode], (mode, error)
        assert LiteRTModel(str(path)).metadata["precision"] == mode
    sizes = {mode: tflite(mode)[1] for mode in convert.MODES}
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


@pytest.fixture(scope="module")
def savedmodel(tiny):
    root, model, _, _ = tiny
    return convert.export_savedmodel(model, str(root / "saved"), {"domain": "spatial"})


def test_savedmodel_serves_two_sizes(tiny, savedmodel):
    _, model, _, _ = tiny
    serving = tf.saved_model.load(savedmodel).signatures["serving_default"]
    dynamic = models.io.reinput(model, (None, None))
    for shape in ((2, 32, 32, 1), (1, 48, 40, 1)):
        x = np.random.default_rng(1).uniform(0, 255, shape).astype("float32")
        out = next(iter(serving(tf.constant(x)).values())).numpy()
        np.testing.assert_allclose(out, np.asarray(dynamic(x)), atol=1e-4)
    with pytest.raises(ValueError, match="runs the TensorFlow ops stored in its graph"):
        open_detector(savedmodel)  # not trusted unless asked
    _, metadata = open_detector(savedmodel, trust_savedmodel=True)
    assert metadata["domain"] == "spatial" and metadata["format"] == "savedmodel"


def keras_probabilities(model, files):
    """The Keras model's own stego probability of each image file."""
    x = np.stack([images.read_gray(str(f)).astype("float32")[..., None] for f in files])
    return stego_probability(np.asarray(model(x)))


@pytest.fixture(scope="module")
def crops(tiny):
    """Three 32x32 crops of a photograph."""
    folder = tiny[0] / "images"
    folder.mkdir()
    photo = skimage.data.camera()[100:164, 200:264]
    for k in range(3):
        images.write_gray(str(folder / f"{k}.pgm"), photo[k : k + 32, :32])
    return folder


def detect_scores(model_path, folder, *flags):
    """Runs sasrnet_detect on ``folder``: its exit status, {file: p_stego}."""
    out = folder.parent / f"scores_{os.path.basename(model_path)}.csv"
    result = run_binary(
        "sasrnet_detect",
        f"--model={model_path}",
        f"--inputs={folder}",
        f"--out={out}",
        *flags,
    )
    if result.code:
        return result, {}
    return result, {r["file"]: float(r["p_stego"]) for r in csv.DictReader(out.open())}


def test_tflite_scores_a_folder_through_detect(tiny, tflite, crops):
    path, _ = tflite("float32")
    result, scores = detect_scores(path, crops)
    assert result.code == 0, result.stderr[-2000:]
    assert len(scores) == 3
    expected = keras_probabilities(tiny[1], list(scores))
    np.testing.assert_allclose(list(scores.values()), expected, atol=1e-5)


def test_savedmodel_scores_a_folder_through_detect(tiny, savedmodel, crops):
    result, _ = detect_scores(savedmodel, crops)
    assert result.code == 2 and "--trust_savedmodel" in result.stderr
    result, scores = detect_scores(savedmodel, crops, "--trust_savedmodel")
    assert result.code == 0, result.stderr[-2000:]
    assert len(scores) == 3
    expected = keras_probabilities(tiny[1], list(scores))
    np.testing.assert_allclose(list(scores.values()), expected, atol=1e-5)


def test_savedmodel_and_tflite_score_a_test_set_through_eval(tiny, tflite, savedmodel):
    root, model, keras_path, _ = tiny
    covers = demo.demo_covers(str(root / "covers"), size=32, stride=128)
    stegos = str(root / "stegos")
    embed.embed_dataset(covers, stegos, "lsbm", 1.0, progress=False)
    lite, _ = tflite("float32")
    out = root / "eval"
    args = (
        f"--models=savedmodel={savedmodel},tflite={lite},keras={keras_path}",
        f"--sets=t={covers}:{stegos}",
        f"--out={out}",
    )
    result = run_binary("sasrnet_eval", *args)
    assert result.code == 2 and "--trust_savedmodel" in result.stderr
    assert not out.exists()
    result = run_binary("sasrnet_eval", *args, "--trust_savedmodel")
    assert result.code == 0, result.stderr[-2000:]
    rows = list(csv.DictReader((out / "scores_t.csv").open()))
    assert {r["label"] for r in rows} == {"0", "1"}
    expected = keras_probabilities(model, [r["file"] for r in rows])
    for name in ("keras", "savedmodel", "tflite"):
        got = [float(r[name]) for r in rows]
        np.testing.assert_allclose(got, expected, atol=1e-5, err_msg=name)


# ONNX: exported by Keras (tf2onnx), run in ONNX Runtime, scored by detect.


@pytest.fixture(scope="module")
def onnx_file(tiny):
    root, model, _, _ = tiny
    path = root / "m.onnx"
    size = convert.export_onnx(model, str(path), metadata={"domain": "spatial"})
    return path, size


def test_onnx_logits_match_keras_at_any_batch(tiny, onnx_file):
    _, model, _, x = tiny
    path, size = onnx_file
    assert size == path.stat().st_size > 1000
    onnx = OnnxModel(str(path))
    expected = np.asarray(model(x))
    np.testing.assert_allclose(onnx(x), expected, atol=1e-4, rtol=1e-5)
    np.testing.assert_allclose(onnx(x[:1]), expected[:1], atol=1e-4, rtol=1e-5)
    meta = onnx.metadata
    assert meta["format"] == "onnx" and meta["input_size"] == [32, 32]
    assert meta["domain"] == "spatial"
    assert format_of(str(path)).name == "onnx"
    logits, same = open_detector(str(path))
    np.testing.assert_array_equal(logits(x), onnx(x))
    assert same == meta


def test_onnx_scores_a_folder_through_detect(tiny, onnx_file, crops):
    path, _ = onnx_file
    result, scores = detect_scores(path, crops)
    assert result.code == 0, result.stderr[-2000:]
    assert len(scores) == 3
    expected = keras_probabilities(tiny[1], list(scores))
    np.testing.assert_allclose(list(scores.values()), expected, atol=1e-5)


def test_runtimes_are_timed_in_turns_by_file(tiny, onnx_file, tflite):
    onnx, _ = onnx_file
    lite, _ = tflite("float32")
    times = latency.file_latencies([str(onnx), str(lite)], (32, 32), rounds=3, batch=2)
    assert len(times) == 2 and all(t > 0 for t in times)
    assert isinstance(latency.runner(str(onnx)), OnnxModel)
    with pytest.raises(ValueError, match="need rounds, batch >= 1"):
        latency.file_latencies([str(onnx)], (32, 32), batch=0)


def test_a_file_that_is_not_onnx_is_named(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="bad.onnx: not an ONNX model"):
        OnnxModel(str(bad))
