"""keras.applications CNNs: depthwise convs, squeeze-excite and SE reshapes.

Random init (``weights=None``) with random BN statistics and gammas, 32x32.
"""

import keras
import numpy as np
import pytest

from keras_sasrnet import profile, slimming
from keras_sasrnet.models.io import save
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


@pytest.mark.big
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


def _resnet_backbone(keras_hub):
    """A small keras-hub ResNet (a functional subclass), random init."""
    return keras_hub.models.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[3],
        stackwise_num_filters=[64, 128],
        stackwise_num_blocks=[1, 1],
        stackwise_num_strides=[1, 2],
        block_type="basic_block",
        use_pre_activation=False,
        image_shape=(32, 32, 3),
    )


def test_a_keras_hub_backbone_is_read_from_its_own_nodes(tmp_path):
    # A functional subclass: its get_config holds constructor arguments, and
    # find_groups failed with KeyError: 'layers'.
    keras_hub = pytest.importorskip("keras_hub")
    backbone = _resnet_backbone(keras_hub)
    randomize_bns(backbone)
    groups = {g.name: g for g in slimming.find_groups(backbone, (32, 32))}
    assert groups["conv1_conv"].prunable and groups["stack1_block0_1_conv"].prunable
    assert not groups["stack1_block0_0_conv"].prunable  # its features are the output
    x = np.random.default_rng(0).uniform(0, 1, (2, 32, 32, 3)).astype("float32")
    kept, _ = slimming.slim(backbone, 0.0)
    np.testing.assert_allclose(np.asarray(kept(x)), np.asarray(backbone(x)), atol=1e-6)
    slim, _ = slimming.slim(backbone, 0.5)
    assert slim.count_params() < backbone.count_params()
    assert np.all(np.isfinite(np.asarray(slim(x))))


def test_a_backbone_nested_under_a_head_is_slimmed_inside(tmp_path):
    # A backbone used as a layer was one opaque node: frozen, not slimmed,
    # and its MACs counted as 0. Its layers are now inlined.
    keras_hub = pytest.importorskip("keras_hub")
    backbone = _resnet_backbone(keras_hub)
    randomize_bns(backbone)
    inputs = keras.Input((32, 32, 3))
    features = keras.layers.GlobalAveragePooling2D(name="gap")(backbone(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, name="head")(features))
    slimming.randomize_gammas(model)
    groups = {g.name: g for g in slimming.find_groups(model, (32, 32))}
    # the backbone's output now feeds the head: its stream is prunable too
    assert groups["conv1_conv"].prunable and groups["stack1_block0_0_conv"].prunable
    assert profile.count_macs(model, (32, 32))["stack1_block0_1_conv"] > 0
    x = np.random.default_rng(0).uniform(0, 1, (2, 32, 32, 3)).astype("float32")
    reference = np.asarray(model(x))
    kept, _ = slimming.slim(model, 0.0)
    np.testing.assert_allclose(np.asarray(kept(x)), reference, atol=1e-6)
    for rate in (0.3, 0.6):
        slim, _ = slimming.slim(model, rate)
        assert slim.count_params() < model.count_params()
        assert np.all(np.isfinite(np.asarray(slim(x))))
    path = str(tmp_path / "slim.keras")
    save(slim, path)
    again = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(again(x)), np.asarray(slim(x)))
    slim.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = slim.fit(x, np.array([0, 1]), epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0])


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
