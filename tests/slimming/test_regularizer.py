import keras
import numpy as np
import pytest

from keras_sasrnet import models
from keras_sasrnet.slimming import GammaL1


def test_value_is_alpha_times_l1():
    x = np.array([0.5, -2.0, 0.0, 1.5], "float32")
    assert float(GammaL1(1e-2)(x)) == pytest.approx(1e-2 * 4.0)


def test_config_round_trip():
    reg = GammaL1(3e-4)
    again = keras.regularizers.deserialize(keras.regularizers.serialize(reg))
    assert isinstance(again, GammaL1) and again.alpha == 3e-4


@pytest.mark.parametrize("alpha", [-1e-4, float("nan")])
def test_rejects_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        GammaL1(alpha)


def test_penalty_is_in_model_losses_and_survives_save(tmp_path):
    model = models.srnet(
        (32, 32, 1), models.srnet_widths(1 / 8), sparsity=1e-3, weight_decay=None
    )
    channels = sum(
        layer.gamma.shape[0]
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    expected = 1e-3 * 0.5 * channels  # every gamma starts at 0.5
    assert float(sum(model.losses)) == pytest.approx(expected, rel=1e-5)
    model.save(tmp_path / "m.keras")
    loaded = models.load(str(tmp_path / "m.keras"))
    assert float(sum(loaded.losses)) == pytest.approx(expected, rel=1e-5)


def test_penalty_enters_fit_and_shrinks_gammas():
    # With a data loss of zero gradient (zero inputs, zero-init head), only
    # the L1 penalty moves gamma: plain SGD steps it down by lr * alpha.
    model = models.xunet((16, 16, 1), sparsity=0.5, weight_decay=None)
    model.get_layer("fc").kernel.assign(np.zeros((128, 2), "float32"))
    model.compile(
        keras.optimizers.SGD(0.1),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    x = np.zeros((4, 16, 16, 1), "float32")
    model.fit(x, np.array([0, 1, 0, 1]), epochs=1, batch_size=4, verbose=0)
    np.testing.assert_allclose(
        model.get_layer("g5_bn").gamma.numpy(), 0.5 - 0.1 * 0.5, atol=1e-6
    )
