"""keras.applications CNNs: depthwise convs, squeeze-excite and SE reshapes.

Random init (``weights=None``) with random BN statistics and gammas, 32x32.
"""

import keras
import numpy as np
import pytest

from keras_sasrnet import slimming
from tests.conftest import check_slims_exactly, randomize_bns

BUILDERS = {
    # depthwise 3x3 between expand and project convs, residual adds
    "MobileNetV2": lambda: keras.applications.MobileNetV2(
        input_shape=(32, 32, 3), alpha=0.35, weights=None, classifier_activation=None
    ),
    # depthwise convs, then squeeze-excite: GAP -> Reshape -> convs -> Multiply
    "EfficientNetB0": lambda: keras.applications.EfficientNetB0(
        input_shape=(32, 32, 3), weights=None, classifier_activation=None
    ),
}


def bn_channels(model):
    return sum(
        layer.gamma.shape[0]
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization) and layer.scale
    )


@pytest.mark.big
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_depthwise_and_squeeze_excite_networks_slim_exactly(name, tmp_path):
    model = randomize_bns(BUILDERS[name]())
    groups = slimming.find_groups(model, (32, 32))
    prunable = sum(len(g.bns) * g.channels for g in groups if g.prunable)
    # before depthwise convs and SE reshapes joined groups: 16 % and 15 %
    assert prunable / bn_channels(model) >= 0.9
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    check_slims_exactly(model, x, tmp_path)


def test_separable_convs_are_sliced_and_fold_removed_constants():
    # Xception's groups all passed through SeparableConv2D: 0 % prunable.
    x_in = keras.Input((12, 12, 3))
    h = keras.layers.Conv2D(8, 3, name="c1")(x_in)
    h = keras.layers.BatchNormalization(name="b1")(h)
    h = keras.layers.ReLU(name="r1")(h)
    h = keras.layers.SeparableConv2D(6, 3, name="sep")(h)  # valid: no border
    h = keras.layers.BatchNormalization(name="b2")(h)
    y = keras.layers.Dense(2, name="fc")(keras.layers.GlobalAveragePooling2D()(h))
    model = randomize_bns(keras.Model(x_in, y))
    b1 = model.get_layer("b1")
    gamma, beta, mean, var = b1.get_weights()
    gamma[[1, 4, 6]] = 0.0  # these channels output the constant relu(beta)
    b1.set_weights([gamma, np.abs(beta), mean, var])
    groups = {g.name: g for g in slimming.find_groups(model)}
    assert groups["c1"].prunable and "sep" in groups["c1"].consumers
    x = np.random.default_rng(0).uniform(0, 255, (2, 12, 12, 3)).astype("float32")
    slim, plan = slimming.slim(model, 0.0, select="zeros")
    assert len(plan.keep["c1"]) == 5
    assert slim.get_layer("sep").get_weights()[0].shape == (3, 3, 5, 1)
    np.testing.assert_allclose(np.asarray(slim(x)), np.asarray(model(x)), atol=1e-4)
