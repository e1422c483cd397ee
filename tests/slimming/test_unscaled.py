"""Channels that no BN scales (ConvNeXt's MLPs): pruned by kernel norm or at
random, never by |gamma|; a layer's unnamed variables survive the clone."""

import keras
import numpy as np
import pytest

from keras_sasrnet import slimming
from keras_sasrnet.models.io import save


@keras.saving.register_keras_serializable(package="tests")
class Scale(keras.layers.Layer):
    """A per-channel scale with an unnamed variable, as ConvNeXt's LayerScale."""

    def build(self, shape):
        self.w = self.add_weight(shape=(shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.w


def _convnext_block():
    inp = keras.Input((8, 8, 3))
    stem = keras.layers.Conv2D(6, 3, padding="same", name="stem")(inp)
    x = keras.layers.DepthwiseConv2D(3, padding="same", name="dw")(stem)
    x = keras.layers.LayerNormalization(epsilon=1e-6, name="ln")(x)
    x = keras.layers.Dense(24, name="up")(x)  # the MLP's hidden channels
    x = keras.layers.Activation("gelu", name="gelu")(x)
    x = keras.layers.Dense(6, name="down")(x)
    x = Scale(name="scale")(x)
    x = keras.layers.Add(name="add")([stem, x])
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inp, keras.layers.Dense(2, name="fc")(x))
    model.get_layer("scale").set_weights([np.linspace(0.5, 1.5, 6).astype("f4")])
    return model


def test_unscaled_channels_are_pruned_by_kernel_norm_only(tmp_path):
    model = _convnext_block()
    groups = {g.name: g for g in slimming.find_groups(model)}
    hidden = groups["up"]
    assert not hidden.prunable and hidden.narrowable
    assert hidden.reason == "no BatchNormalization scales these channels"
    stream = groups["stem"]
    assert stream.reason == "passes through LayerNormalization layer 'ln'"
    with pytest.raises(ValueError, match="importance='l1_norm' also prunes"):
        slimming.slim(model, 0.3)  # no gamma to rank by
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    kept, _ = slimming.slim(model, 0.0, importance="l1_norm")
    np.testing.assert_allclose(np.asarray(kept(x)), np.asarray(model(x)), atol=1e-6)
    slim, plan = slimming.slim(model, 0.5, importance="l1_norm")
    norms = np.abs(model.get_layer("up").get_weights()[0]).sum(axis=0)
    assert plan.keep["up"] == sorted(np.argsort(-norms)[:12].tolist())
    assert slim.get_layer("down").get_weights()[0].shape == (12, 6)
    np.testing.assert_array_equal(  # the unnamed variable came through
        slim.get_layer("scale").get_weights()[0], np.linspace(0.5, 1.5, 6, dtype="f4")
    )
    path = str(tmp_path / "slim.keras")
    save(slim, path)
    again = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(again(x)), np.asarray(slim(x)))
