"""Precision: true float32 by default (TF32 off), mixed with a float32 stem."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from configs import demo as demo_config
from keras_sasrnet import models, precision
from keras_sasrnet.train import run


@pytest.fixture
def restore():
    yield
    precision.apply("float32")


def test_apply_switches_tf32_and_the_policy(restore):
    tf.config.experimental.enable_tensor_float_32_execution(True)
    assert precision.apply("float32") == {
        "precision": "float32",
        "backend": "tensorflow",
        "tf32": False,
    }
    assert precision.tf32_enabled() is False
    precision.apply("tf32")
    assert precision.tf32_enabled() is True
    precision.apply("mixed_float16")
    assert precision.tf32_enabled() is False
    assert keras.mixed_precision.global_policy().name == "mixed_float16"
    with pytest.raises(ValueError, match="precision must be one of"):
        precision.apply("float64")


def test_mixed_model_keeps_its_stem_and_output_in_float32(restore):
    precision.apply("mixed_float16")
    model = models.xunet((32, 32, 1))
    mixed = precision.float32_stem(model)
    stem = precision.stem_layers(mixed)
    assert stem[0] == "hpf" and stem[-1] == "g1_bn"
    for layer in mixed.layers[1:]:
        want = (
            "float32"
            if layer.name in stem or layer is mixed.layers[-1]
            else ("float16")
        )
        assert layer.dtype_policy.compute_dtype == want, layer.name
    for a, b in zip(model.get_weights(), mixed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 1)).astype("float32")
    assert mixed(x).dtype == "float32"


def test_a_run_starts_in_float32_and_builds_mixed_with_a_float32_stem(
    tmp_path, restore
):
    c = demo_config.get_config("tiny")
    c.data.demo.dir = str(tmp_path / "cache")
    tf.config.experimental.enable_tensor_float_32_execution(True)
    run.Run(c, str(tmp_path / "w"), lambda *_: None)
    assert precision.tf32_enabled() is False and c.precision == "float32"
    c.precision = "mixed_bfloat16"
    r = run.Run(c, str(tmp_path / "w2"), lambda *_: None)
    model = r.build()
    first = model.get_layer(precision.stem_layers(model)[0])
    assert first.dtype_policy.compute_dtype == "float32"
    assert model.layers[-2].dtype_policy.compute_dtype == "bfloat16"
    c.precision = "half"
    with pytest.raises(ValueError, match="precision must be one of"):
        run.Run(c, str(tmp_path / "w3"), lambda *_: None)
