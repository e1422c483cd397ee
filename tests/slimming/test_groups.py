import keras
import numpy as np

from keras_sasrnet import models, slimming
from keras_sasrnet.models.layers import Abs
from keras_sasrnet.slimming import find_groups
from tests.conftest import randomize_bns


def by_bns(groups):
    return {g.bns: g for g in groups if g.bns}


def test_srnet_groups_from_the_graph():
    groups = find_groups(models.srnet((64, 64, 1)))
    prunable = by_bns(g for g in groups if g.prunable)
    stream = ("l2_bn",) + tuple(f"l{k}_bn2" for k in range(3, 8))
    expected = {stream}
    expected |= {(f"l{k}_bn2", f"l{k}_shortcut_bn") for k in range(8, 12)}
    expected |= {("l1_bn",), ("l12_bn1",), ("l12_bn2",)}
    expected |= {(f"l{k}_bn1",) for k in range(3, 12)}
    assert {tuple(sorted(b)) for b in prunable} == {tuple(sorted(b)) for b in expected}
    assert prunable[stream].channels == 16
    assert set(prunable[stream].producers) == {"l2_conv"} | {
        f"l{k}_conv2" for k in range(3, 8)
    }
    # The stream is read by every type-2 first conv and by l8's two convs.
    assert set(prunable[stream].consumers) == {f"l{k}_conv1" for k in range(3, 9)} | {
        "l8_shortcut_conv"
    }
    l12 = prunable[("l12_bn2",)]
    assert l12.consumers == ("fc",) and l12.channels == 512
    # Input and head are never prunable, and say why.
    closed = {g.name: g.reason for g in groups if not g.prunable}
    assert closed == {
        "image": "tied to the model input 'image'",
        "fc": "tied to the model output 'fc'",
    }


def conv(filters, name, **kw):
    return keras.layers.Conv2D(
        filters, 3, padding="same", use_bias=False, name=name, **kw
    )


def test_unknown_layer_and_output_block_pruning():
    x = keras.Input((8, 8, 1), name="in")
    a = keras.layers.BatchNormalization(name="a_bn")(conv(4, "a")(x))
    b = keras.layers.BatchNormalization(name="b_bn")(conv(4, "b")(a))
    flat = keras.layers.Flatten(name="flat")(keras.layers.ReLU(name="r")(b))
    c = keras.layers.BatchNormalization(name="c_bn")(conv(4, "c")(a))
    model = keras.Model(x, [keras.layers.Dense(2, name="fc")(flat), c])
    groups = {g.name: g for g in find_groups(model)}
    assert groups["a"].prunable and groups["a"].consumers == ("b", "c")
    assert not groups["b"].prunable
    assert groups["b"].reason == "passes through Flatten layer 'flat'"
    assert not groups["c"].prunable
    assert groups["c"].reason == "tied to the model output 'c_bn'"


def test_multiply_and_abs_tie_channels():
    x = keras.Input((8, 8, 1))
    a = keras.layers.BatchNormalization(name="a_bn")(Abs(name="abs")(conv(3, "a")(x)))
    b = keras.layers.BatchNormalization(name="b_bn")(conv(3, "b")(x))
    m = keras.layers.Multiply(name="mul")([a, b])
    out = keras.layers.Dense(1, name="fc")(keras.layers.GlobalAveragePooling2D()(m))
    groups = [g for g in find_groups(keras.Model(x, out)) if g.prunable]
    assert len(groups) == 1
    assert set(groups[0].bns) == {"a_bn", "b_bn"}
    assert set(groups[0].members) >= {"abs", "mul"}


def test_macs_per_channel():
    groups = {g.name: g for g in find_groups(models.srnet((256, 256, 1)))}
    # l1: its own 256*256*9 MACs per channel + l2_conv reading it (9 * 16).
    assert groups["l1_conv"].macs_per_channel == 256 * 256 * 9 * (1 + 16)
    dynamic = find_groups(models.srnet((None, None, 1)))
    assert all(g.macs_per_channel is None for g in dynamic if g.prunable)
    sized = find_groups(models.srnet((None, None, 1)), input_size=(256, 256))
    assert {g.name: g.macs_per_channel for g in sized} == {
        g.name: g.macs_per_channel for g in groups.values()
    }


def _attention_model():
    """A feature map times a broadcast 1-channel attention map (CBAM-like)."""
    x = keras.Input((16, 16, 3))
    h = keras.layers.Conv2D(8, 3, padding="same", name="c1")(x)
    h = keras.layers.BatchNormalization(name="b1")(h)
    h = keras.layers.ReLU(name="r1")(h)
    att = keras.layers.Conv2D(1, 1, activation="sigmoid", name="att")(h)
    h = keras.layers.Multiply(name="mul")([h, att])
    h = keras.layers.Conv2D(6, 3, padding="same", name="c2")(h)
    h = keras.layers.BatchNormalization(name="b2")(h)
    y = keras.layers.Dense(2, name="fc")(keras.layers.GlobalAveragePooling2D()(h))
    return randomize_bns(keras.Model(x, y))


def test_a_broadcast_multiply_keeps_the_feature_channels_and_freezes_the_map():
    model = _attention_model()
    groups = {g.name: g for g in find_groups(model)}
    assert groups["c1"].channels == 8 and groups["c1"].prunable
    assert "mul" in groups["c1"].members and "att" in groups["c1"].consumers
    assert not groups["att"].prunable
    assert groups["att"].reason == "broadcast by Multiply layer 'mul'"
    x = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
    kept, _ = slimming.slim(model, 0.0)
    np.testing.assert_allclose(kept(x), model(x), atol=1e-5)
    slim, plan = slimming.slim(model, 0.5)
    assert len(plan.keep["c1"]) < 8 and np.all(np.isfinite(slim(x)))


def test_a_group_with_an_unscaled_bn_is_refused():
    # A zero gamma in one BN does not silence a channel that also flows
    # through a BN without gamma: scoring such a group by the scaled BN alone
    # once changed the outputs by 0.21.
    x = keras.Input((16, 16, 3))
    a = keras.layers.Conv2D(4, 3, padding="same", name="a")(x)
    a = keras.layers.BatchNormalization(name="a_bn")(a)
    b = keras.layers.Conv2D(4, 3, padding="same", name="b")(x)
    b = keras.layers.BatchNormalization(scale=False, name="b_bn")(b)
    h = keras.layers.Add(name="add")([a, b])
    h = keras.layers.Conv2D(2, 1, name="out")(h)
    model = keras.Model(x, keras.layers.GlobalAveragePooling2D()(h))
    group = next(g for g in find_groups(model) if "a_bn" in g.bns)
    assert not group.prunable
    assert "'b_bn' has no gamma (scale=False)" in group.reason
    # with_gammas gives b_bn a gamma of ones: the same outputs, and now a
    # zero gamma in both BNs silences a channel, so the group is prunable.
    model = randomize_bns(model)
    scaled = slimming.with_gammas(model)
    assert scaled.get_layer("b_bn").scale and not model.get_layer("b_bn").scale
    np.testing.assert_array_equal(scaled.get_layer("b_bn").gamma.numpy(), np.ones(4))
    images = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(scaled(images), model(images), atol=1e-5, rtol=1e-6)
    group = next(g for g in find_groups(scaled) if "a_bn" in g.bns)
    assert group.prunable and set(group.bns) == {"a_bn", "b_bn"}
    for name in ("a_bn", "b_bn"):
        gamma, beta, mean, var = scaled.get_layer(name).get_weights()
        gamma[[0, 2]] = 0.0
        scaled.get_layer(name).set_weights([gamma, beta, mean, var])
    slim, plan = slimming.slim(scaled, 0.0, select="zeros")
    assert len(plan.keep["a"]) == 2
    np.testing.assert_allclose(slim(images), scaled(images), atol=1e-3, rtol=1e-5)
