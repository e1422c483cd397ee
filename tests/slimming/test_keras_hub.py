"""keras-hub's CNN backbones (small configurations, random init), flat and
nested under a classifier head: read from their own nodes, their blocks
inlined, slimmed exactly, saved and trained."""

import collections

import keras
import numpy as np
import pytest

from keras_sasrnet import profile, slimming
from keras_sasrnet.models.io import save
from tests.conftest import randomize_bns

keras_hub = pytest.importorskip("keras_hub")
M = keras_hub.models
S = 32
BACKBONES = {
    # a functional subclass: get_config holds constructor arguments
    "ResNet": lambda: M.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[3],
        stackwise_num_filters=[64, 128],
        stackwise_num_blocks=[1, 1],
        stackwise_num_strides=[1, 2],
        block_type="basic_block",
        use_pre_activation=False,
        image_shape=(S, S, 3),
    ),
    # concatenations
    "DenseNet": lambda: M.DenseNetBackbone(
        stackwise_num_repeats=[2, 2], growth_rate=8, image_shape=(S, S, 3)
    ),
    # blocks (layer subclasses), depthwise as Conv2D(groups=C), mean in SE
    "MobileNet": lambda: M.MobileNetBackbone(
        stackwise_expansion=[[16], [72, 88], [96]],
        stackwise_num_blocks=[1, 2, 1],
        stackwise_num_filters=[[16], [24, 24], [40]],
        stackwise_kernel_size=[[3], [3, 3], [5]],
        stackwise_num_strides=[[2], [2, 1], [2]],
        stackwise_se_ratio=[[0.25], [None, None], [0.25]],
        stackwise_activation=[["relu"], ["relu", "relu"], ["hard_swish"]],
        stackwise_padding=[[1], [1, 1], [2]],
        output_num_filters=64,
        depthwise_filters=8,
        depthwise_stride=1,
        depthwise_residual=False,
        last_layer_filter=64,
        squeeze_and_excite=0.25,
        image_shape=(S, S, 3),
        input_num_filters=8,
    ),
    # blocks calling one activation layer twice
    "EfficientNet": lambda: M.EfficientNetBackbone(
        stackwise_kernel_sizes=[3, 3],
        stackwise_num_repeats=[1, 2],
        stackwise_input_filters=[8, 16],
        stackwise_output_filters=[16, 24],
        stackwise_expansion_ratios=[1, 4],
        stackwise_squeeze_and_excite_ratios=[0.0, 0.25],
        stackwise_strides=[1, 2],
        stackwise_block_types=["fused", "unfused"],
        stackwise_force_input_filters=[0, 0],
        stackwise_nores_option=[False, False],
        width_coefficient=1.0,
        depth_coefficient=1.0,
        num_features=64,
        input_shape=(S, S, 3),
    ),
    # keras.ops.split along the channels (a multi-output op)
    "CSPNet": lambda: M.CSPNetBackbone(
        stem_filters=16,
        stem_kernel_size=3,
        stem_strides=1,
        stackwise_strides=2,
        stackwise_depth=[1, 2],
        stackwise_num_filters=[16, 24],
        image_shape=(S, S, 3),
        down_growth=True,
        bottle_ratio=(0.5, 1.0),
        block_ratio=(1.0, 0.5),
        expand_ratio=(2.0, 1.0),
        block_type="dark_block",
        stage_type="csp",
        stem_padding="same",
    ),
}
# Measured: before blocks, grouped depthwise convs, shared activations and
# split were read, MobileNet and EfficientNet had no prunable group and
# CSPNet failed; ResNet and DenseNet were read already.
MIN_PRUNABLE = {
    "ResNet": 3,
    "DenseNet": 6,
    "MobileNet": 8,
    "EfficientNet": 5,
    "CSPNet": 8,
}


def _with_head(backbone):
    inputs = keras.Input((S, S, 3))
    features = keras.layers.GlobalAveragePooling2D(name="gap")(backbone(inputs))
    return keras.Model(inputs, keras.layers.Dense(3, name="head")(features))


@pytest.mark.big
@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_keras_hub_backbones_slim_exactly(name, nested, tmp_path):
    keras.utils.set_random_seed(0)
    model = randomize_bns(BACKBONES[name]())
    if nested:
        model = _with_head(model)
    slimming.randomize_gammas(model)
    groups = slimming.find_groups(model, (S, S))
    prunable = [g for g in groups if g.prunable]
    frozen = collections.Counter(
        g.reason.split(" '")[0] for g in groups if not g.prunable
    )
    assert len(prunable) >= MIN_PRUNABLE[name], frozen
    assert sum(profile.count_macs(model, (S, S)).values()) > 0
    x = np.random.default_rng(0).uniform(0, 1, (2, S, S, 3)).astype("float32")
    reference = np.asarray(model(x))
    kept, _ = slimming.slim(model, 0.0)
    np.testing.assert_allclose(np.asarray(kept(x)), reference, atol=1e-6, rtol=1e-5)
    for rate in (0.3, 0.6):
        slim, _ = slimming.slim(model, rate)
        assert slim.count_params() < model.count_params()
        assert np.all(np.isfinite(np.asarray(slim(x))))
    path = str(tmp_path / "slim.keras")
    save(slim, path)
    again = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(again(x)), np.asarray(slim(x)))
    if nested:
        slim.compile(
            "adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        )
        history = slim.fit(x, np.array([0, 1]), epochs=1, verbose=0).history
        assert np.isfinite(history["loss"][0])
