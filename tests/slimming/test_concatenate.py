"""Concatenate: its output channels are slices of its inputs' groups."""

import keras
import numpy as np
import pytest

from keras_sasrnet import slimming
from keras_sasrnet.slimming.surgery import rebuild
from tests.conftest import randomize_bns


def _dense_block():
    inp = keras.Input((12, 12, 3))
    a = keras.layers.Conv2D(4, 3, padding="same", name="ca")(inp)
    a = keras.layers.ReLU(name="ra")(keras.layers.BatchNormalization(name="ba")(a))
    b = keras.layers.Conv2D(6, 3, padding="same", name="cb")(a)
    b = keras.layers.ReLU(name="rb")(keras.layers.BatchNormalization(name="bb")(b))
    x = keras.layers.Concatenate(name="cat")([a, b])  # 4 + 6 channels
    x = keras.layers.ReLU(name="rc")(keras.layers.BatchNormalization(name="bc")(x))
    x = keras.layers.Conv2D(5, 3, padding="valid", name="reader")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inp, keras.layers.Dense(2, name="fc")(x))


def test_a_concatenated_group_spans_its_slice_of_every_later_bn():
    groups = {g.name: g for g in slimming.find_groups(_dense_block())}
    a, b = groups["ca"], groups["cb"]
    assert a.prunable and b.prunable
    assert a.bns == ("ba", "bc") and b.bns == ("bb", "bc")
    assert a.offset("bc") == 0 and b.offset("bc") == 4 and b.offset("reader") == 4
    assert "reader" in a.consumers and "cb" in a.consumers


def test_removing_constant_channels_of_a_concatenation_is_exact():
    model = randomize_bns(_dense_block())
    ba, bc = model.get_layer("ba"), model.get_layer("bc")
    gamma_a, gamma_c = ba.gamma.numpy(), bc.gamma.numpy()
    # a's channels 1 and 2: zero in both of its BNs; beta 0 in ba, since cb
    # reads them with zero padding, where a folded constant is not exact
    gamma_a[[1, 2]] = 0.0
    beta_a = ba.beta.numpy()
    beta_a[[1, 2]] = 0.0
    ba.beta.assign(beta_a)
    gamma_c[[1, 2]] = 0.0
    gamma_c[[4 + 0, 4 + 5]] = 0.0  # b's channels 0 and 5, in its slice of bc
    ba.gamma.assign(gamma_a)
    bc.gamma.assign(gamma_c)
    beta_c = bc.beta.numpy()
    beta_c[[1, 2, 4, 9]] = [0.7, -0.2, 1.1, 0.4]  # constants after the ReLU
    bc.beta.assign(beta_c)
    bb = model.get_layer("bb")
    gamma_b = bb.gamma.numpy()
    gamma_b[[0, 5]] = 0.0
    bb.gamma.assign(gamma_b)
    x = np.random.default_rng(0).uniform(0, 255, (2, 12, 12, 3)).astype("float32")
    plan = {"ca": [0, 3], "cb": [1, 2, 3, 4]}
    slim = rebuild(model, plan)  # bb's and bc's betas are not 0: folded
    assert slim.get_layer("bc").gamma.shape == (6,)
    assert slim.get_layer("reader").kernel.shape[2] == 6
    np.testing.assert_allclose(
        np.asarray(slim(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-5
    )
    unfolded = rebuild(model, plan, fold=False)  # the constants matter
    assert np.abs(np.asarray(unfolded(x)) - np.asarray(model(x))).max() > 1e-3


@pytest.mark.big
def test_densenet_channels_are_all_prunable_and_kept_exactly():
    model = randomize_bns(
        keras.applications.DenseNet121(
            input_shape=(32, 32, 3), weights=None, classifier_activation=None
        )
    )
    groups = slimming.find_groups(model, (32, 32))
    per_bn = {}
    for g in groups:
        if g.prunable:
            for b in g.bns:
                per_bn[b] = per_bn.get(b, 0) + g.channels
    total = sum(
        layer.gamma.shape[0]
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    assert sum(per_bn.values()) / total >= 0.9  # 18 % before
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    kept, _ = slimming.slim(model, 0.0)
    np.testing.assert_allclose(np.asarray(kept(x)), np.asarray(model(x)), atol=1e-6)
