"""Constructs of keras-hub's CNN backbones, built by hand (no keras-hub):
layer subclasses made of sublayers, depthwise convs written as grouped
Conv2D, raw reductions, a weightless layer called twice, keras.ops.split."""

import keras
import numpy as np
import pytest

from keras_sasrnet import graph, profile, slimming
from keras_sasrnet.models.io import save
from tests.conftest import randomize_bns


class Block(keras.layers.Layer):
    """An inverted residual block as keras-hub writes one: sublayers only,
    a depthwise conv as Conv2D(groups=C), keras.ops.mean in squeeze-excite,
    one activation layer called twice, a raw residual add."""

    def __init__(self, channels, hidden, **kwargs):
        super().__init__(**kwargs)
        p = self.name
        self.expand = keras.layers.Conv2D(hidden, 1, use_bias=False, name=f"{p}_ex")
        self.bn1 = keras.layers.BatchNormalization(name=f"{p}_bn1")
        self.act = keras.layers.Activation("relu", name=f"{p}_act")
        self.dw = keras.layers.Conv2D(
            hidden, 3, padding="same", groups=hidden, use_bias=False, name=f"{p}_dw"
        )
        self.bn2 = keras.layers.BatchNormalization(name=f"{p}_bn2")
        self.se = keras.layers.Conv2D(hidden, 1, activation="sigmoid", name=f"{p}_se")
        self.project = keras.layers.Conv2D(channels, 1, use_bias=False, name=f"{p}_pr")
        self.bn3 = keras.layers.BatchNormalization(name=f"{p}_bn3")
        self.channels, self.hidden = channels, hidden

    def call(self, x):
        h = self.act(self.bn1(self.expand(x)))
        h = self.act(self.bn2(self.dw(h)))  # the same layer, a second call
        h = h * self.se(keras.ops.mean(h, axis=(1, 2), keepdims=True))
        return x + self.bn3(self.project(h))

    def get_config(self):
        return {
            **super().get_config(),
            "channels": self.channels,
            "hidden": self.hidden,
        }


def _model():
    inp = keras.Input((12, 12, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", name="stem")(inp)
    x = keras.layers.BatchNormalization(name="stem_bn")(x)
    x = Block(8, 16, name="b1")(x)
    left, right = keras.ops.split(x, 2, axis=-1)  # a CSP stage's split
    y = keras.layers.Conv2D(6, 3, padding="same", name="on_left")(left)
    y = keras.layers.BatchNormalization(name="on_left_bn")(y)
    y = keras.layers.Concatenate(name="cat")([y, right])
    y = keras.layers.GlobalAveragePooling2D(name="gap")(y)
    return randomize_bns(keras.Model(inp, keras.layers.Dense(2, name="fc")(y)))


def test_blocks_are_inlined_and_their_channels_grouped():
    model = _model()
    groups = {g.name: g for g in slimming.find_groups(model, (12, 12))}
    hidden = groups["b1_ex"]  # expand -> BN -> act -> depthwise -> BN -> act
    assert hidden.prunable and hidden.bns == ("b1_bn1", "b1_bn2")
    assert "b1_dw" in hidden.members and "b1_act@1" in hidden.members
    assert "b1_pr" in hidden.consumers and "b1_se" in hidden.consumers
    # the block's output is split along the channels: frozen, with the reason
    assert not groups["stem"].prunable
    assert "Split" in groups["stem"].reason
    assert groups["on_left"].prunable
    # MACs are counted inside the block: depthwise as 3*3*C per position
    macs = profile.count_macs(model, (12, 12))
    assert macs["b1_dw"] == 12 * 12 * 9 * 16 and macs["b1_ex"] == 12 * 12 * 8 * 16


def test_a_model_with_blocks_slims_exactly_and_round_trips(tmp_path):
    model = _model()
    x = np.random.default_rng(0).uniform(0, 1, (2, 12, 12, 3)).astype("float32")
    kept, _ = slimming.slim(model, 0.0)
    np.testing.assert_allclose(np.asarray(kept(x)), np.asarray(model(x)), atol=1e-5)
    slim, plan = slimming.slim(model, 0.5)
    assert len(plan.keep["b1_ex"]) < 16
    dw = slim.get_layer("b1_dw")
    assert dw.filters == dw.groups == len(plan.keep["b1_ex"])
    assert np.all(np.isfinite(np.asarray(slim(x))))
    path = str(tmp_path / "slim.keras")
    save(slim, path)
    again = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(again(x)), np.asarray(slim(x)))
    slim.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert np.isfinite(slim.fit(x, np.array([0, 1]), verbose=0).history["loss"][0])


def test_zero_gamma_channels_of_a_grouped_depthwise_conv_fold_exactly():
    model = _model()
    block = model.get_layer("b1")
    for bn in (block.bn1, block.bn2):
        gamma, beta, mean, var = bn.get_weights()
        gamma[[1, 5, 9]] = 0.0
        bn.set_weights([gamma, beta, mean, var])
    x = np.random.default_rng(1).uniform(0, 1, (2, 12, 12, 3)).astype("float32")
    slim, plan = slimming.slim(model, 0.0, select="zeros")
    assert len(plan.keep["b1_ex"]) == 13
    np.testing.assert_allclose(np.asarray(slim(x)), np.asarray(model(x)), atol=1e-4)


def test_a_layer_sharing_weights_across_calls_is_refused_by_name():
    inp = keras.Input((8, 8, 4))
    conv = keras.layers.Conv2D(4, 3, padding="same", name="shared")
    out = conv(keras.layers.ReLU()(conv(inp)))
    with pytest.raises(ValueError, match="'shared' shares its weights"):
        graph.from_model(keras.Model(inp, out))
