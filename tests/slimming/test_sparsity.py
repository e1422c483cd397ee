"""Sparsity methods: proximal zeros, no sign flips, cost weights, exact removal."""

import keras
import numpy as np
import pytest

from keras_sasrnet import models
from keras_sasrnet.slimming import (
    METHODS,
    GammaL1,
    ProximalAdamax,
    ProximalSGD,
    cost_weights,
    find_groups,
    importance,
    plan_model,
    proximal,
    rebuild,
    with_sparsity,
    without_sparsity,
    zeros_rate,
)

LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _dead_head(model):
    """Zero the head so the data loss has no gradient: only the penalty acts."""
    fc = model.get_layer("fc")
    fc.kernel.assign(np.zeros(fc.kernel.shape, "float32"))
    return model


def _fit(model, optimizer, steps=1):
    model.compile(optimizer, LOSS)
    x = np.zeros((4, 16, 16, 1), "float32")
    y = np.array([0, 1, 0, 1])
    model.fit(x, y, epochs=steps, batch_size=4, verbose=0)


def test_proximal_penalty_is_no_loss_term_and_round_trips():
    reg = GammaL1(0.3, weights=[1.0, 2.0], proximal=True)
    assert float(reg(np.array([1.0, -2.0], "float32"))) == 0.0
    again = keras.regularizers.deserialize(keras.regularizers.serialize(reg))
    assert again.proximal and again.weights == [1.0, 2.0] and again.alpha == 0.3
    coupled = GammaL1(0.5, weights=[1.0, 3.0])
    assert float(coupled(np.array([1.0, -2.0], "float32"))) == pytest.approx(3.5)
    with pytest.raises(ValueError, match="weights must be >= 0"):
        GammaL1(0.1, weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="2 entries for 3 channels"):
        coupled(np.ones(3, "float32"))


def test_prox_soft_thresholds_and_never_flips_a_sign():
    reg = GammaL1(1.0, weights=[1.0, 1.0, 1.0, 2.0, 0.0])
    x = np.array([0.5, -0.05, 0.05, -0.3, -0.01], "float32")
    out = np.asarray(reg.prox(x, 0.1))
    np.testing.assert_allclose(out, [0.4, 0.0, 0.0, -0.1, -0.01], atol=1e-7)
    assert np.all(out * x >= 0)


def test_proximal_sgd_steps_by_lr_alpha_to_exact_zeros():
    # Only the proximal step moves gamma: 0.25 -> 0.25 - k * lr * alpha, then 0.
    model = _dead_head(
        with_sparsity(models.xunet((16, 16, 1), weight_decay=None), 1.0, method="prox")
    )
    gamma = model.get_layer("g5_bn").gamma
    sign = np.where(np.arange(128) % 2, 1.0, -1.0).astype("float32")
    gamma.assign(0.25 * sign)
    _fit(model, ProximalSGD(0.1, momentum=0.9), steps=2)
    np.testing.assert_allclose(gamma.numpy(), 0.05 * sign, atol=1e-6)
    _fit(model, ProximalSGD(0.1, momentum=0.9), steps=1)
    assert np.all(gamma.numpy() == 0.0)


def _penalised(value, alpha):
    v = keras.Variable(np.asarray(value, "float32"))
    v.regularizer = GammaL1(alpha, proximal=True)
    return v


def test_proximal_adamax_keeps_zeros_while_the_gradient_is_below_alpha():
    # In Adamax's own metric a zero stays zero iff |bias-corrected momentum|
    # <= alpha: the L1 optimality condition, as in plain gradient descent.
    v = _penalised([0.0, 0.0, 0.0, 0.0], alpha=0.1)
    opt = ProximalAdamax(0.01)
    for _ in range(5):
        opt.apply([np.array([0.05, -0.09, 0.2, -0.5], "float32")], [v])
    out = v.numpy()
    assert out[0] == 0.0 and out[1] == 0.0
    assert out[2] < 0 and out[3] > 0  # moved against the gradient
    # A gamma with no data gradient at all goes to zero at once.
    w = _penalised([0.7, -0.3], alpha=1e-3)
    ProximalAdamax(0.01).apply([np.zeros(2, "float32")], [w])
    assert np.all(w.numpy() == 0.0)


def test_beta_of_a_zero_gamma_is_shrunk_to_zero_too():
    # SGD, no data gradient: betas of zero gammas step 0.3 -> 0.2 -> ... -> 0
    # (exactly, float rounding included), betas of live gammas (0.8 -> 0.4)
    # stay.
    model = _dead_head(
        with_sparsity(models.xunet((16, 16, 1), weight_decay=None), 1.0, method="prox")
    )
    bn = model.get_layer("g4_bn")
    live = np.arange(64) >= 32
    bn.gamma.assign(np.where(live, 0.8, 0.0).astype("float32"))
    bn.beta.assign(np.full(64, 0.3, "float32"))
    _fit(model, ProximalSGD(0.1, momentum=0.0), steps=1)
    np.testing.assert_allclose(bn.beta.numpy(), np.where(live, 0.3, 0.2), atol=1e-6)
    _fit(model, ProximalSGD(0.1, momentum=0.0), steps=3)
    np.testing.assert_allclose(bn.beta.numpy(), np.where(live, 0.3, 0.0), atol=1e-6)
    assert np.all(bn.beta.numpy()[~live] == 0.0)
    np.testing.assert_allclose(bn.gamma.numpy(), np.where(live, 0.4, 0.0), atol=1e-6)


def test_plain_variables_are_updated_as_by_the_parent_optimizer():
    v1, v2 = (
        keras.Variable(np.ones(3, "float32")),
        keras.Variable(np.ones(3, "float32")),
    )
    g = np.array([0.5, -1.0, 2.0], "float32")
    ProximalAdamax(0.01).apply([g], [v1])
    keras.optimizers.Adamax(0.01).apply([g], [v2])
    np.testing.assert_array_equal(v1.numpy(), v2.numpy())


def test_coupled_penalty_does_not_reach_zero_under_adamax():
    # The coupled subgradient under Adamax steps by lr each time and jitters
    # around zero instead of landing on it (why "prox" exists).
    model = _dead_head(
        with_sparsity(models.xunet((16, 16, 1), weight_decay=None), 1.0, method="l1")
    )
    gamma = model.get_layer("g5_bn").gamma
    gamma.assign(np.full(128, 0.25, "float32"))
    _fit(model, proximal.make("adamax", 0.1), steps=4)
    assert np.all(gamma.numpy() != 0.0)
    assert np.all(np.abs(gamma.numpy()) < 0.2)


def test_cost_weights_average_one_over_prunable_channels():
    model = models.srnet((32, 32, 1), models.srnet_widths(1 / 8), weight_decay=None)
    groups = find_groups(model)
    weights = cost_weights(groups)
    prunable = [g for g in groups if g.prunable]
    per_group = [weights[g.bns[0]] for g in prunable]
    assert sum(w.sum() for w in per_group) == pytest.approx(
        sum(g.channels for g in prunable)
    )
    # Proportional to each group's MACs per channel.
    ratios = [
        w[0] / g.macs_per_channel for w, g in zip(per_group, prunable, strict=True)
    ]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert set(weights) == {b for g in prunable for b in g.bns}
    with pytest.raises(ValueError, match="concrete input size"):
        cost_weights(
            find_groups(models.srnet((None, None, 1), models.srnet_widths(1 / 8)))
        )


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_attaches_its_penalty(method):
    model = models.srnet((32, 32, 1), models.srnet_widths(1 / 8), weight_decay=None)
    sparse = with_sparsity(model, 0.2, method=method)
    spec = METHODS[method]
    regs = [
        layer.gamma_regularizer
        for layer in sparse.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    assert regs and all(isinstance(r, GammaL1) for r in regs)
    assert all(r.proximal == spec.proximal for r in regs)
    assert all((r.weights is not None) == spec.cost_weighted for r in regs)
    for a, b in zip(model.weights, sparse.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    plain = without_sparsity(sparse)
    assert all(
        layer.gamma_regularizer is None
        for layer in plain.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    with pytest.raises(ValueError, match="sparsity method must be one of"):
        with_sparsity(model, 0.2, method="l0")


def test_pruning_exact_zeros_leaves_outputs_unchanged(tiny_srnet, images):
    # Zero gamma *and* beta on some channels of every group: removing exactly
    # those (select="zeros") must not change the outputs.
    rng = np.random.default_rng(0)
    groups = [g for g in find_groups(tiny_srnet) if g.prunable]
    for g in groups:
        drop = rng.choice(g.channels, size=g.channels // 2, replace=False)
        for bn in g.bns:
            layer = tiny_srnet.get_layer(bn)
            for var in (layer.gamma, layer.beta):
                v = var.numpy()
                v[drop] = 0.0
                var.assign(v)
    plan = plan_model(tiny_srnet, 0.0, select="zeros")
    scores = importance.score("gamma", tiny_srnet, groups)
    assert plan.rate == pytest.approx(zeros_rate(groups, scores))
    assert plan.rate > 0.3
    slim = rebuild(tiny_srnet, plan)
    np.testing.assert_allclose(
        np.asarray(slim(images)), np.asarray(tiny_srnet(images)), atol=1e-4, rtol=1e-5
    )


def test_cost_weights_follow_their_channels_through_a_rebuild():
    model = models.xunet((16, 16, 1), weight_decay=None)
    sparse = with_sparsity(model, 1e-2, method="prox_cost")
    full = np.asarray(sparse.get_layer("g5_bn").gamma_regularizer.weights)
    plan = plan_model(sparse, 0.5, importance="random", seed=1)
    slim = rebuild(sparse, plan)
    kept = plan.keep["g5_conv"]
    reg = slim.get_layer("g5_bn").gamma_regularizer
    np.testing.assert_allclose(reg.weights, full[kept])
    assert reg.proximal
    _fit(slim, proximal.make("adamax", 1e-3))  # the narrowed penalty trains
    assert len(slim.optimizer.variables) == len(
        keras.optimizers.Adamax(1e-3).variables
    ) + 2 * len(slim.trainable_variables)  # no gamma copies in its state


def _grouped(value, alpha, group):
    v = keras.Variable(np.asarray(value, "float32"))
    v.regularizer = GammaL1(alpha, proximal=True, group=group)
    return v


def test_grouped_prox_zeros_a_tied_channel_in_every_member_at_once():
    # Two BNs share a group; no data gradient, SGD lr 0.1, alpha 1: tau =
    # 0.1 * sqrt(2) = 0.141. Channel 0's norm |(0.05, 0.12)| = 0.13 is below
    # it: both members go to 0 in one step, where per-BN L1 (tau 0.1) would
    # keep member b's 0.12.
    a = _grouped([0.05, 0.8], 1.0, "g")
    b = _grouped([0.12, -0.6], 1.0, "g")
    ProximalSGD(0.1, momentum=0.0).apply([np.zeros(2, "float32")] * 2, [a, b])
    assert a.numpy()[0] == 0.0 and b.numpy()[0] == 0.0
    # Channel 1 is scaled, not thresholded coordinate-wise: sign kept.
    assert 0 < a.numpy()[1] < 0.8 and -0.6 < b.numpy()[1] < 0
    # Per-BN L1 at the same step leaves member b's channel 0 alive.
    c = _penalised([0.12, -0.6], alpha=1.0)
    ProximalSGD(0.1, momentum=0.0).apply([np.zeros(2, "float32")], [c])
    assert c.numpy()[0] > 0


def test_grouped_penalty_must_be_proximal_and_round_trips():
    with pytest.raises(ValueError, match="must be proximal"):
        GammaL1(0.1, group="g")
    reg = GammaL1(0.1, weights=[2.0], proximal=True, group="l2_conv")
    again = keras.regularizers.deserialize(keras.regularizers.serialize(reg))
    assert again.group == "l2_conv" and again.weights == [2.0]


def test_gprox_groups_only_the_bns_of_shared_channels():
    model = with_sparsity(
        models.build("srnet", 1 / 8, input_shape=(32, 32, 1)),
        1e-2,
        method="gprox_cost",
    )
    groups = {g.name: g for g in find_groups(model) if g.prunable}
    for g in groups.values():
        regs = [model.get_layer(b).gamma_regularizer for b in g.bns]
        expected = g.name if len(g.bns) > 1 else None
        assert all(r.group == expected and r.weights for r in regs)
    assert any(len(g.bns) > 1 for g in groups.values())
