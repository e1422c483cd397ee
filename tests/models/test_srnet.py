import keras
import numpy as np
import pytest

from keras_sasrnet import models, profile
from keras_sasrnet.slimming import GammaL1
from tests.models import counts


def test_full_srnet_golden_counts():
    # Each count equals both its derivation from the layer table
    # (tests/models/counts.py) and the golden number (DESIGN.md section 2).
    model = models.srnet((256, 256, 1))
    convs = counts.srnet_convs(256)
    kernels = {
        layer.name: int(np.prod(layer.kernel.shape))
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D)
    }
    assert kernels == counts.weights(convs)
    assert sum(kernels.values()) == sum(counts.weights(convs).values()) == 4_770_624
    trainable, _ = profile.count_params(model)
    assert trainable == counts.trainable(convs) == 4_776_962
    macs = profile.count_macs(model, (256, 256))
    assert macs == counts.macs(convs)
    assert sum(macs.values()) == sum(counts.macs(convs).values()) == 5_951_718_400
    assert round(sum(macs.values()) / 1e9, 2) == 5.95  # the paper's 5.94 G


def test_layer_names_are_deterministic():
    names = {layer.name for layer in models.srnet((64, 64, 1)).layers}
    expected = {"image", "l1_conv", "l1_bn", "l2_relu", "l7_add", "fc"}
    expected |= {"l8_shortcut_conv", "l11_pool", "l12_bn2", "l12_gap"}
    assert expected <= names
    assert names == {layer.name for layer in models.srnet((64, 64, 1)).layers}


@pytest.mark.parametrize("size", [(40, 24), (17, 33), (64, 64)])
def test_any_input_size(size):
    model = models.build("srnet", width_scale=1 / 8, input_shape=(None, None, 1))
    out = model(np.zeros((2, *size, 1), "float32"))
    assert out.shape == (2, 2)


def test_sparsity_settings_on_every_bn():
    model = models.srnet((32, 32, 1), widths=models.srnet_widths(1 / 8), sparsity=2e-4)
    bns = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    assert len(bns) == 2 + 2 * 5 + 3 * 4 + 2
    for bn in bns:
        assert isinstance(bn.gamma_regularizer, GammaL1)
        assert bn.gamma_regularizer.alpha == 2e-4
        np.testing.assert_array_equal(bn.gamma.numpy(), 0.5)
        assert bn.momentum == 0.9 and bn.epsilon == 1e-3
    plain = models.srnet((32, 32, 1), widths=models.srnet_widths(1 / 8))
    assert all(
        layer.gamma_regularizer is None
        for layer in plain.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )


def test_widths_override_and_validation():
    model = models.srnet((32, 32, 1), widths={"l1_conv": 7, "l12_conv2": 9})
    assert model.get_layer("l1_conv").filters == 7
    assert model.get_layer("fc").kernel.shape == (9, 2)
    with pytest.raises(ValueError, match="l99_conv"):
        models.srnet(widths={"l99_conv": 4})
    with pytest.raises(ValueError, match="residual add"):
        models.srnet(widths={"l3_conv2": 8})
    with pytest.raises(ValueError, match="l1_conv.*received 0"):
        models.srnet(widths={"l1_conv": 0})
    with pytest.raises(ValueError, match=r"\(H, W, 1\)"):
        models.srnet((32, 32, 3))
    with pytest.raises(ValueError, match="scale must be > 0"):
        models.srnet_widths(0)
    with pytest.raises(ValueError, match="unknown architecture 'resnet'"):
        models.build("resnet")


def test_keras_round_trip(tmp_path, tiny_srnet, images):
    path = tmp_path / "srnet.keras"
    tiny_srnet.save(path)
    loaded = models.load(str(path))
    np.testing.assert_array_equal(loaded(images), tiny_srnet(images))
    assert isinstance(loaded.get_layer("l1_bn").gamma_regularizer, GammaL1)


def test_load_at_other_input_size(tmp_path, tiny_srnet):
    path = tmp_path / "srnet.keras"
    tiny_srnet.save(path)
    bigger = models.load(str(path), input_size=(48, 40))
    assert bigger.input_shape == (None, 48, 40, 1)
    x = np.random.default_rng(0).uniform(0, 255, (2, 48, 40, 1)).astype("float32")
    dynamic = models.srnet((None, None, 1), widths=models.srnet_widths(1 / 8))
    dynamic.set_weights(tiny_srnet.get_weights())
    np.testing.assert_allclose(bigger(x), dynamic(x), atol=1e-5)
    with pytest.raises(FileNotFoundError, match="nothing.keras"):
        models.load(str(tmp_path / "nothing.keras"))
