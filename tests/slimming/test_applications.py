"""keras.applications CNNs: depthwise convs, squeeze-excite and SE reshapes.

Random init (``weights=None``) with random BN statistics and gammas, 32x32.
"""

import keras
import numpy as np
import pytest

from keras_sasrnet import slimming
from keras_sasrnet.train.loop import save
from tests.conftest import randomize_bns

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


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_depthwise_and_squeeze_excite_networks_slim_exactly(name, tmp_path):
    model = randomize_bns(BUILDERS[name]())
    groups = slimming.find_groups(model, (32, 32))
    prunable = sum(len(g.bns) * g.channels for g in groups if g.prunable)
    # before depthwise convs and SE reshapes joined groups: 16 % and 15 %
    assert prunable / bn_channels(model) >= 0.9
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    reference = np.asarray(model(x))
    kept, _ = slimming.slim(model, 0.0)
    np.testing.assert_allclose(np.asarray(kept(x)), reference, atol=1e-6, rtol=1e-5)
    for rate in (0.3, 0.6):
        slim, plan = slimming.slim(model, rate)
        assert slim.count_params() < model.count_params()
        assert np.all(np.isfinite(np.asarray(slim(x))))
    path = str(tmp_path / "slim.keras")
    save(slim, path)
    again = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(again(x)), np.asarray(slim(x)))
