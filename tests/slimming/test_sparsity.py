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
    plan_model,
    proximal,
    rebuild,
    sparsity,
    with_sparsity,
    without_sparsity,
)
from tests.conftest import hand_latency_table

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


# What each method is, written out (not read from METHODS, which the code
# uses): proximal step, the optimizer its sparsity stage trains with,
# cost-weighted, grouped.
EXPECTED_METHODS = {
    "l1": (False, ProximalAdamax, False, False),
    "l1_sgd": (False, ProximalSGD, False, False),
    "l1_cost": (False, ProximalAdamax, True, False),
    "prox": (True, ProximalAdamax, False, False),
    "prox_sgd": (True, ProximalSGD, False, False),
    "prox_cost": (True, ProximalAdamax, True, False),
    "gprox": (True, ProximalAdamax, False, True),
    "gprox_cost": (True, ProximalAdamax, True, True),
    "prox_latency": (True, ProximalAdamax, True, False),
    "gprox_latency": (True, ProximalAdamax, True, True),
}
# Weighted by a latency model's marginal ms (tests/test_latency.py checks
# the weights): these need one.
BY_LATENCY = {"prox_latency", "gprox_latency"}
HAND_TABLE = hand_latency_table(intercept=0.0)

# SRNet's BNs that share their channels (DESIGN.md section 2), by group name:
# the residual stream, and each type-3 block's shortcut and second BN.
TIED = {"l2_bn": "l2_conv"}
TIED.update({f"l{k}_bn2": "l2_conv" for k in range(3, 8)})
for k in range(8, 12):
    TIED[f"l{k}_bn2"] = TIED[f"l{k}_shortcut_bn"] = f"l{k}_shortcut_conv"


def test_the_methods_are_the_documented_ones():
    assert sorted(METHODS) == sorted(EXPECTED_METHODS)


@pytest.mark.parametrize("method", sorted(EXPECTED_METHODS))
def test_every_method_attaches_its_penalty(method):
    is_proximal, optimizer, cost_weighted, grouped = EXPECTED_METHODS[method]
    model = models.srnet((32, 32, 1), models.srnet_widths(1 / 8), weight_decay=None)
    table = HAND_TABLE if method in BY_LATENCY else None
    sparse = with_sparsity(model, 0.2, method=method, latency_model=table)
    regs = {
        layer.name: layer.gamma_regularizer
        for layer in sparse.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    }
    assert len(regs) == 2 + 2 * 5 + 3 * 4 + 2  # every BN of SRNet is prunable
    for name, r in regs.items():
        assert isinstance(r, GammaL1) and r.alpha == 0.2, name
        assert r.proximal == is_proximal, f"{name}: proximal {r.proximal}"
        assert (r.weights is not None) == cost_weighted, f"{name}: {r.weights}"
        group = TIED.get(name) if grouped else None
        assert r.group == group, f"{name}: group {r.group!r}, expected {group!r}"
    # What the sparsity stage compiles (stages.sparse_stage passes the
    # method's optimizer to loop.compile_model, which calls proximal.make).
    assert type(proximal.make(sparsity.method(method).optimizer, 1e-3)) is optimizer
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
    dropped = {}
    for g in groups:
        count = g.channels // 2 + (g.channels > 2)  # half and one more; 1 of 2
        drop = rng.choice(g.channels, size=count, replace=False)
        dropped[g.name] = sorted(drop.tolist())
        for bn in g.bns:
            layer = tiny_srnet.get_layer(bn)
            for var in (layer.gamma, layer.beta):
                v = var.numpy()
                v[drop] = 0.0
                var.assign(v)
    plan = plan_model(tiny_srnet, 0.0, select="zeros")
    # The rate is a fraction of prunable channels, a group's channel counted
    # once however many BNs scale it. SRNet/8: l1 8, the stream 2, five
    # type-2 inner 2, l8 2 + 2, l9 8 + 8, l10 16 + 16, l11 32 + 32, l12 64 +
    # 64 = 264 channels in 17 groups; half of each and one more (1 of 2).
    assert sorted(g.channels for g in groups) == sorted(
        [8, 2, 2, 2, 2, 2, 2, 2, 2, 8, 8, 16, 16, 32, 32, 64, 64]
    )
    expected = (5 + 1 + 5 * 1 + 2 * 1 + 2 * 5 + 2 * 9 + 2 * 17 + 2 * 33) / 264
    assert plan.rate == pytest.approx(expected, abs=1e-12)
    assert plan.pruned_fraction == pytest.approx(expected, abs=1e-12)
    for g in groups:
        kept = sorted(set(range(g.channels)) - set(dropped[g.name]))
        for producer in g.producers:
            assert plan.keep[producer] == kept, producer
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


def _weak_first_member(model):
    """Gammas of every group of several BNs: channel 0 is 0.05 in the group's
    first BN and 0.5 in the others, every other channel 0.05 in all (signs
    alternate). Returns those groups."""
    tied = [g for g in find_groups(model) if g.prunable and len(g.bns) > 1]
    for g in tied:
        for i, b in enumerate(g.bns):
            gamma = np.full(g.channels, 0.05, "float32")
            gamma[0] = 0.05 if i == 0 else 0.5
            model.get_layer(b).gamma.assign(gamma * (-1) ** i)
    return tied


@pytest.mark.parametrize("method", ["gprox", "prox"])
def test_gprox_zeros_a_tied_channel_in_every_bn_of_its_group(method):
    # SGD, lr 0.1, alpha 1, no data gradient: two proximal steps. gprox
    # shrinks a channel by its norm over the group's BNs (tau 0.1 * sqrt(k)):
    # channels 1.. (norm 0.05 * sqrt(k)) go to 0 in every BN, channel 0 (norm
    # > 0.5) stays in every BN, the first one's 0.05 included. Per-BN prox
    # (tau 0.1 per step) zeros the first BN's channel 0 and keeps the others':
    # a channel that no BN can shed.
    model = with_sparsity(
        models.srnet((32, 32, 1), models.srnet_widths(1 / 8), weight_decay=None),
        1.0,
        method=method,
    )
    tied = _weak_first_member(model)
    assert len(tied) == 5  # the stream and four type-3 blocks
    variables = model.trainable_variables
    opt = ProximalSGD(0.1, momentum=0.0)
    for _ in range(2):
        opt.apply([np.zeros(v.shape, "float32") for v in variables], variables)
    for g in tied:
        for i, b in enumerate(g.bns):
            expected = np.arange(g.channels) == 0  # channel 0 alone is left
            if method == "prox" and i == 0:
                expected[0] = False
            gamma = model.get_layer(b).gamma.numpy()
            np.testing.assert_array_equal(gamma != 0, expected, err_msg=b)
    if method == "prox":
        np.testing.assert_allclose(
            abs(model.get_layer("l3_bn2").gamma.numpy()[0]), 0.3, rtol=1e-5
        )


# XuNet at 16x16: the MACs one channel of each group costs, its producing
# conv per output channel plus its reader per input channel (sides halve
# after each AvgPool 5/2; g5's reader is fc, 2 logits).
XUNET16_COST = {
    "g1": 16 * 16 * 25 * 1 + 8 * 8 * 25 * 16,  # 32,000
    "g2": 8 * 8 * 25 * 8 + 4 * 4 * 32,  # 13,312
    "g3": 4 * 4 * 16 + 2 * 2 * 64,  # 512
    "g4": 2 * 2 * 32 + 1 * 1 * 128,  # 256
    "g5": 1 * 1 * 64 + 2,  # 66
}
XUNET_WIDTHS = {"g1": 8, "g2": 16, "g3": 32, "g4": 64, "g5": 128}
XUNET16_MEAN_COST = sum(XUNET16_COST[g] * XUNET_WIDTHS[g] for g in XUNET_WIDTHS) / 248


def _sparse_xunet16(method):
    """XuNet at 16x16 with the method's penalty (alpha 0.5, gammas at 1) and
    no data gradient (``_dead_head``)."""
    model = models.xunet((16, 16, 1), weight_decay=None)
    return _dead_head(with_sparsity(model, 0.5, gamma_init=1.0, method=method))


def test_l1_cost_steps_each_gamma_by_what_its_channel_costs():
    # Coupled penalty, plain SGD (lr 0.1, no momentum), no data gradient:
    # one step moves gamma by lr * alpha * w, w = cost / mean cost (g1's
    # channels 15.6 times the mean, g5's 0.032).
    model = _sparse_xunet16("l1_cost")
    _fit(model, ProximalSGD(0.1, momentum=0.0))
    for g, cost in XUNET16_COST.items():
        step = 1.0 - model.get_layer(f"{g}_bn").gamma.numpy()
        expected = 0.1 * 0.5 * cost / XUNET16_MEAN_COST
        np.testing.assert_allclose(step, expected, rtol=1e-4, err_msg=g)


def test_l1_sgd_trains_the_coupled_penalty_with_momentum():
    # The optimizer the method names (SGD, momentum 0.9), lr 0.1, alpha 0.5,
    # no data gradient: two steps move every gamma by lr * alpha * (1 + 1.9)
    # = 0.145 (the L1 subgradient goes through the momentum). Adamax would
    # move it by 2 * lr = 0.2; a proximal step (prox_sgd) by 2 * lr * alpha
    # = 0.1; cost weights would make it differ per group.
    model = _sparse_xunet16("l1_sgd")
    _fit(model, proximal.make(sparsity.method("l1_sgd").optimizer, 0.1), steps=2)
    for g in XUNET_WIDTHS:
        np.testing.assert_allclose(
            model.get_layer(f"{g}_bn").gamma.numpy(), 0.855, rtol=1e-5, err_msg=g
        )


def test_gamma_per_mac_plan_removes_the_lowest_gamma_per_cost_first():
    model = models.xunet((16, 16, 1), weight_decay=None)
    rng = np.random.default_rng(4)
    # g1 and g2 cost 15.6 and 6.5 times the mean MACs, g5 0.03: per MAC,
    # g1 (0.03-0.06) and g2 (0.03-0.07) are the lowest, although g5 has the
    # smallest |gamma|.
    ranges = {
        "g1": (0.5, 1.0),
        "g2": (0.2, 0.42),
        "g3": (0.2, 1.0),
        "g4": (0.2, 1.0),
        "g5": (0.01, 0.1),
    }
    names, scores = [], []
    for g, (low, high) in ranges.items():
        gamma = rng.uniform(low, high, XUNET_WIDTHS[g]) * rng.choice(
            [-1, 1], XUNET_WIDTHS[g]
        )
        model.get_layer(f"{g}_bn").gamma.assign(gamma.astype("float32"))
        weight = XUNET16_COST[g] / XUNET16_MEAN_COST
        scores += list(np.abs(gamma.astype("float32")) / weight)
        names += [(g, c) for c in range(XUNET_WIDTHS[g])]
    removed = {names[i] for i in np.argsort(scores)[:10]}
    assert {g for g, _ in removed} == {"g1", "g2"}  # a mix, no group emptied
    plan = plan_model(model, 10 / 248, importance="gamma_per_mac")
    for g, width in XUNET_WIDTHS.items():
        kept = [c for c in range(width) if (g, c) not in removed]
        assert plan.keep[f"{g}_conv"] == kept, g
    assert plan.importance == "gamma_per_mac" and plan.pruned_fraction == 10 / 248
    # By |gamma| alone the same rate takes g5's channels.
    by_gamma = plan_model(model, 10 / 248)
    assert len(by_gamma.keep["g5_conv"]) == 118 and len(by_gamma.keep["g1_conv"]) == 8


def test_zeros_with_a_threshold_removes_the_channels_scored_at_or_below_it(
    tiny_srnet,
):
    # Channel c's group score (mean |gamma| over the group's BNs) is 0.12 if
    # c % 3 == 1, else 0.08; threshold 0.1. A group of several BNs gets 1.75
    # and 0.25 times the score in turn (signs alternate), so the BNs
    # disagree and only the mean decides.
    groups = [g for g in find_groups(tiny_srnet) if g.prunable]
    for g in groups:
        score = np.where(np.arange(g.channels) % 3 == 1, 0.12, 0.08)
        for i, b in enumerate(g.bns):
            factor = 1.0 if len(g.bns) == 1 else (1.75, -0.25)[i % 2]
            tiny_srnet.get_layer(b).gamma.assign((factor * score).astype("float32"))
    plan = plan_model(tiny_srnet, 0.0, select="zeros", zero_threshold=0.1)
    for g in groups:
        for producer in g.producers:
            assert plan.keep[producer] == list(range(1, g.channels, 3)), producer
    # Removed: l1 5 of 8, the stream 1 of 2, five type-2 inner 1 of 2, l8
    # 1 + 1, l9 5 + 5, l10 11 + 11, l11 21 + 21, l12 43 + 43; of 264.
    removed = 5 + 1 + 5 * 1 + 2 * 1 + 2 * 5 + 2 * 11 + 2 * 21 + 2 * 43
    assert plan.rate == pytest.approx(removed / 264, abs=1e-12)
    assert plan.pruned_fraction == pytest.approx(removed / 264, abs=1e-12)
    assert plan.select == "zeros" and plan.zero_threshold == 0.1
