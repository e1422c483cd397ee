import keras
import numpy as np
import pytest

from keras_sasrnet import models, profile
from keras_sasrnet.slimming import (
    GammaL1,
    find_groups,
    plan_model,
    randomize_gammas,
    rebuild,
    with_sparsity,
)
from tests.conftest import randomize_bns


def full_keep(model):
    return {
        p: list(range(g.channels))
        for g in find_groups(model)
        if g.prunable
        for p in g.producers
    }


def zero_channels(model, group, channels, beta=0.0):
    """gamma = 0 (and beta as given) on these channels of every BN of a group."""
    for bn in group.bns:
        layer = model.get_layer(bn)
        gamma, b = layer.gamma.numpy(), layer.beta.numpy()
        gamma[channels] = 0.0
        b[channels] = beta
        layer.gamma.assign(gamma)
        layer.beta.assign(b)


def drop(keep, group, channels):
    for p in group.producers:
        keep[p] = [c for c in keep[p] if c not in channels]


@pytest.mark.parametrize("fixture", ["tiny_srnet", "tiny_xunet"])
def test_keeping_everything_is_exact(fixture, request, images):
    model = request.getfixturevalue(fixture)
    rebuilt = rebuild(model, full_keep(model))
    assert rebuilt is not model
    assert (
        np.max(np.abs(np.asarray(rebuilt(images)) - np.asarray(model(images)))) <= 1e-6
    )
    assert [layer.name for layer in rebuilt.layers] == [
        layer.name for layer in model.layers
    ]


@pytest.mark.parametrize("fixture", ["tiny_srnet", "tiny_xunet"])
def test_removing_zero_gamma_and_beta_channels_keeps_outputs(fixture, request, images):
    model = request.getfixturevalue(fixture)
    keep = full_keep(model)
    rng = np.random.default_rng(3)
    for g in find_groups(model):
        if g.prunable and g.channels > 1:
            gone = sorted(
                rng.choice(g.channels, g.channels // 2, replace=False).tolist()
            )
            zero_channels(model, g, gone)
            drop(keep, g, gone)
    before = np.asarray(model(images))
    rebuilt = rebuild(model, keep)
    assert profile.count_params(rebuilt)[0] < profile.count_params(model)[0]
    assert np.max(np.abs(np.asarray(rebuilt(images)) - before)) < 1e-5


@pytest.mark.parametrize(
    ("fixture", "bn"), [("tiny_srnet", "l12_bn2"), ("tiny_xunet", "g5_bn")]
)
def test_constant_channels_are_folded_into_the_head(fixture, bn, request, images):
    # gamma = 0, beta != 0: the channel is a constant that reaches fc through
    # global pooling (and ReLU for XuNet); folding moves it into fc's bias.
    model = request.getfixturevalue(fixture)
    g = next(g for g in find_groups(model) if g.bns == (bn,))
    gone = list(range(0, g.channels, 2))
    zero_channels(model, g, gone, beta=0.8)
    keep = full_keep(model)
    drop(keep, g, gone)
    before = np.asarray(model(images))
    folded = np.asarray(rebuild(model, keep)(images))
    unfolded = np.asarray(rebuild(model, keep, fold=False)(images))
    assert np.max(np.abs(folded - before)) < 1e-5
    assert np.max(np.abs(unfolded - before)) > 1e-3


def _valid_net(reader_then_bn):
    """conv -> BN -> tanh -> reader conv (valid padding: no border effects)."""
    x = keras.Input((12, 12, 1))
    y = keras.layers.Conv2D(6, 3, use_bias=False, name="a")(x)
    y = keras.layers.BatchNormalization(name="a_bn")(y)
    y = keras.layers.Activation("tanh", name="a_act")(y)
    y = keras.layers.Conv2D(5, 3, use_bias=False, name="reader")(y)
    if not reader_then_bn:
        y = keras.layers.Activation("relu", name="act")(y)
    y = keras.layers.BatchNormalization(name="b_bn")(y)
    y = keras.layers.GlobalAveragePooling2D()(y)
    return randomize_bns(keras.Model(x, keras.layers.Dense(2, name="fc")(y)), seed=5)


@pytest.mark.parametrize("reader_then_bn", [True, False])
def test_fold_into_next_bn_or_new_bias(reader_then_bn):
    model = _valid_net(reader_then_bn)
    g = next(g for g in find_groups(model) if g.name == "a")
    zero_channels(model, g, [1, 4], beta=-0.7)
    x = np.random.default_rng(0).normal(0, 1, (3, 12, 12, 1)).astype("float32")
    rebuilt = rebuild(model, {"a": [0, 2, 3, 5]})
    np.testing.assert_allclose(rebuilt(x), model(x), atol=1e-5)
    # Where the reader feeds a BN directly, its moving mean absorbs the
    # constant; behind a non-linearity the reader needs a bias instead.
    assert rebuilt.get_layer("reader").use_bias == (not reader_then_bn)


@pytest.mark.parametrize("fixture", ["tiny_srnet", "tiny_xunet"])
def test_forty_percent_rebuild_saves_and_loads(fixture, request, images, tmp_path):
    model = randomize_gammas(request.getfixturevalue(fixture), seed=7)
    plan = plan_model(model, 0.4)
    rebuilt = rebuild(model, plan)
    out = np.asarray(rebuilt(images))
    assert out.shape == (4, 2) and np.all(np.isfinite(out))
    rebuilt.save(tmp_path / "slim.keras")
    loaded = models.load(str(tmp_path / "slim.keras"))
    np.testing.assert_array_equal(loaded(images), out)
    first_bn = next(g.bns[0] for g in find_groups(model) if g.prunable)
    assert isinstance(loaded.get_layer(first_bn).gamma_regularizer, GammaL1)
    for name, kept in plan.keep.items():
        assert loaded.get_layer(name).filters == len(kept)


def test_rebuilt_costs_equal_the_builder_at_new_widths(tiny_srnet):
    plan = plan_model(randomize_gammas(tiny_srnet, seed=2), 0.6)
    rebuilt = rebuild(tiny_srnet, plan, fold=False)
    widths = {name: len(kept) for name, kept in plan.keep.items()}
    fresh = models.srnet((32, 32, 1), widths=widths)
    assert profile.count_macs(rebuilt, (32, 32)) == profile.count_macs(fresh, (32, 32))
    assert profile.count_params(rebuilt) == profile.count_params(fresh)
    # And the kept weights are the original ones, sliced.
    keep = plan.keep["l9_conv1"]
    np.testing.assert_array_equal(
        rebuilt.get_layer("l9_conv1").kernel.numpy(),
        tiny_srnet.get_layer("l9_conv1").kernel.numpy()[:, :, plan.keep["l8_conv2"], :][
            ..., keep
        ],
    )
    np.testing.assert_array_equal(
        rebuilt.get_layer("l9_bn1").moving_variance.numpy(),
        tiny_srnet.get_layer("l9_bn1").moving_variance.numpy()[keep],
    )


@pytest.mark.big
def test_full_srnet_slimmed_macs_match_builder():
    model = randomize_gammas(models.srnet((256, 256, 1)), seed=0)
    plan = plan_model(model, 0.6)
    rebuilt = rebuild(model, plan, fold=False)
    fresh = models.srnet(
        (256, 256, 1), widths={n: len(k) for n, k in plan.keep.items()}
    )
    macs = sum(profile.count_macs(rebuilt, (256, 256)).values())
    assert macs == sum(profile.count_macs(fresh, (256, 256)).values())
    assert macs < 5_951_718_400


def test_bad_plans(tiny_srnet):
    keep = full_keep(tiny_srnet)
    with pytest.raises(ValueError, match="same channels of every producer"):
        rebuild(tiny_srnet, {**keep, "l3_conv2": [0]})
    with pytest.raises(ValueError, match="empties group l1_conv"):
        rebuild(tiny_srnet, {**keep, "l1_conv": []})
    with pytest.raises(ValueError, match=r"distinct indices in \[0, 8\)"):
        rebuild(tiny_srnet, {**keep, "l1_conv": [0, 8]})
    with pytest.raises(ValueError, match="produce no channel group.*l1_bn"):
        rebuild(tiny_srnet, {"l1_bn": [0]})
    with pytest.raises(
        ValueError, match="fc cannot be pruned: tied to the model output"
    ):
        rebuild(tiny_srnet, {"fc": [0]})


def test_with_sparsity_adds_penalty_and_keeps_weights(images):
    model = randomize_bns(models.build("srnet", 1 / 8, input_shape=(32, 32, 1)))
    sparse = with_sparsity(model, 3e-4)
    np.testing.assert_array_equal(sparse(images), model(images))
    bn = sparse.get_layer("l5_bn1")
    assert (
        isinstance(bn.gamma_regularizer, GammaL1) and bn.gamma_regularizer.alpha == 3e-4
    )
    reset = with_sparsity(model, 1e-4, gamma_init=0.5)
    np.testing.assert_array_equal(reset.get_layer("l5_bn1").gamma.numpy(), 0.5)


def test_rebuild_copies_the_weights_of_a_nested_model_exactly():
    # A functional model used as a layer holds several "kernel"s: keyed by
    # short name they collided (output difference 0.13 with nothing pruned).
    inner_in = keras.Input((16, 16, 4))
    x = keras.layers.Conv2D(4, 3, padding="same")(inner_in)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Conv2D(4, 3, padding="same")(x)
    inner = keras.Model(inner_in, x, name="inner")
    inp = keras.Input((16, 16, 1))
    y = keras.layers.Conv2D(4, 3, padding="same", name="c0")(inp)
    y = keras.layers.BatchNormalization(name="b0")(y)
    y = inner(keras.layers.ReLU()(y))
    y = keras.layers.Dense(2, name="fc")(keras.layers.GlobalAveragePooling2D()(y))
    model = keras.Model(inp, y)
    x = np.random.default_rng(0).normal(size=(2, 16, 16, 1)).astype("float32")
    np.testing.assert_array_equal(
        np.asarray(model(x)), np.asarray(rebuild(model, {})(x))
    )


def test_raw_ops_in_the_graph_are_nodes_and_removal_is_exact():
    # x = a + b makes an Add *operation*, not a layer: it once gave
    # KeyError: 'add_1' in find_groups, slim and count_macs.
    from keras_sasrnet.slimming import find_groups, slim

    inp = keras.Input((8, 8, 1))
    a = keras.layers.BatchNormalization(name="b1")(
        keras.layers.Conv2D(4, 3, padding="same", name="c1")(inp)
    )
    b = keras.layers.BatchNormalization(name="b2")(
        keras.layers.Conv2D(4, 3, padding="same", name="c2")(a)
    )
    x = keras.layers.Conv2D(4, 1, name="c3")(keras.ops.relu(a + b))
    x = keras.layers.BatchNormalization(name="b3")(x)
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.ReLU()(x))
    model = keras.Model(inp, keras.layers.Dense(2, name="fc")(x))
    tied = [g for g in find_groups(model, (8, 8)) if g.name == "c1"][0]
    assert tied.prunable and set(tied.bns) == {"b1", "b2"}
    assert profile.count_macs(model, (8, 8))["c2"] == 8 * 8 * 9 * 4 * 4
    # Channels 0 and 1 of the tied group at exactly 0 in both BNs: removing
    # them changes nothing.
    rng = np.random.default_rng(0)
    for name in ("b1", "b2", "b3"):
        bn = model.get_layer(name)
        gamma = rng.uniform(0.5, 1, 4).astype("float32")
        beta = rng.normal(size=4).astype("float32")
        if name != "b3":
            gamma[:2], beta[:2] = 0, 0
        bn.gamma.assign(gamma)
        bn.beta.assign(beta)
    slimmed, plan = slim(model, 0.0, select="zeros")
    assert plan.keep["c1"] == [2, 3] and plan.keep["c2"] == [2, 3]
    x = rng.normal(size=(2, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(slimmed(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-5
    )


@pytest.mark.big
def test_mobilenet_v3_with_raw_ops_is_read_rebuilt_and_slimmed():
    # MobileNetV3's hard-swish is x * relu6(x + 3.0) / 6 in raw ops with
    # constants; it crashed find_groups, slim and count_macs.
    from keras_sasrnet.slimming import find_groups, slim

    model = keras.applications.MobileNetV3Small(
        input_shape=(32, 32, 3), weights=None, include_preprocessing=False
    )
    assert any(g.prunable for g in find_groups(model, (32, 32)))
    assert sum(profile.count_macs(model, (32, 32)).values()) > 0
    x = np.random.default_rng(0).normal(size=(1, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(
        np.asarray(rebuild(model, {})(x)), np.asarray(model(x))
    )
    slimmed, _ = slim(model, 0.3)
    assert slimmed.count_params() < model.count_params()
    assert np.asarray(slimmed(x)).shape == (1, 1000)
