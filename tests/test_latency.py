"""The latency model: features from widths, a fit that recovers known costs."""

import json
import math

import numpy as np
import pytest
import scipy.optimize

from keras_sasrnet import models, slimming
from keras_sasrnet.latency import (
    GroupLatency,
    LatencyModel,
    channel_costs,
    features,
)

SIZE = (32, 32)


def random_srnet(rng):
    """An SRNet of random widths at 32x32 (ties kept, as slimming leaves it)."""
    full = models.srnet_widths(1 / 4)
    w = {n: int(rng.integers(1, c + 1)) for n, c in full.items()}
    for k in range(3, 8):
        w[f"l{k}_conv2"] = w["l2_conv"]
    for k in range(8, 12):
        w[f"l{k}_shortcut_conv"] = w[f"l{k}_conv2"]
    return models.srnet((*SIZE, 1), w)


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    return [features(random_srnet(rng), SIZE) for _ in range(40)]


def test_features_sum_macs_activations_and_padded_macs_per_resolution():
    w = models.srnet_widths(1 / 4)  # l1 16, stream 4, ..., l12 128
    f = features(models.srnet((*SIZE, 1), w), SIZE)
    # Layer 1: 32x32 outputs, 3x3 kernel, 1 -> 16 channels; layer 2 16 -> 4;
    # layers 3-7: two 3x3 convs 4 -> 4 each; l8's conv1 and conv2 4 -> 4
    # (its pool and 1x1 stride-2 shortcut then halve the side).
    macs32 = 32 * 32 * 9 * (1 * 16 + 16 * 4 + 12 * 4 * 4)
    assert f["macs@32"] == pytest.approx(macs32 / 1e6)
    act32 = 32 * 32 * (16 + 4 + 12 * 4)
    assert f["act@32"] == pytest.approx(act32 / 1e6)
    # Padded to 8 channels: 1 -> 8 in, 4 -> 8 everywhere else.
    padded32 = 32 * 32 * 9 * (8 * 16 + 16 * 8 + 12 * 8 * 8)
    assert f["pmacs@32"] == pytest.approx(padded32 / 1e6)
    # The fc layer (128 -> 2) is a resolution of its own: side 1.
    assert f["macs@1"] == pytest.approx(128 * 2 / 1e6)


def test_fit_recovers_known_costs_from_synthetic_timings(rows):
    names = sorted({n for r in rows for n in r})
    varied = [n for n in names if len({r.get(n, 0.0) for r in rows}) > 1]
    rng = np.random.default_rng(1)
    truth = {n: float(rng.uniform(0.5, 3.0)) for n in rng.choice(varied, 8, False)}
    times = [0.7 + sum(c * r.get(n, 0.0) for n, c in truth.items()) for r in rows]
    model = LatencyModel.fit(rows, times, SIZE, runtime="synthetic")
    assert sorted(model.coefficients) == varied
    for name in varied:
        assert model.coefficients[name] == pytest.approx(
            truth.get(name, 0.0), abs=1e-6
        ), name
    assert model.intercept == pytest.approx(0.7, rel=1e-6)
    again = LatencyModel.from_dict(model.to_dict())
    for r, t in zip(rows, times, strict=True):
        assert again.predict_features(r) == pytest.approx(t, rel=1e-9)


def test_fit_keeps_costs_non_negative_and_matches_scipy(rows):
    # Timings no non-negative model explains exactly: the fit is scipy's
    # NNLS on relative errors, never a negative cost.
    rng = np.random.default_rng(2)
    times = [float(rng.uniform(1, 10)) for _ in rows]
    model = LatencyModel.fit(rows, times, SIZE)
    assert min(model.coefficients.values()) >= 0 and model.intercept >= 0
    names = sorted(model.coefficients)
    a = np.array([[r.get(n, 0.0) for n in names] + [1.0] for r in rows])
    b = np.array(times)
    x, _ = scipy.optimize.nnls(a / b[:, None], np.ones_like(b))
    got = [model.coefficients[n] for n in names] + [model.intercept]
    np.testing.assert_allclose(got, x, atol=1e-9)


def test_fit_needs_a_time_per_model(rows):
    with pytest.raises(ValueError, match="one time each"):
        LatencyModel.fit(rows[:3], [1.0, 2.0], SIZE)


def hand_model(pmacs=True):
    """A latency model with costs at every resolution of SRNet at 32x32: the
    full-resolution activations dear, as on a CPU."""
    coefficients = {}
    for side in (32, 16, 8, 4, 2, 1):
        coefficients[f"macs@{side}"] = 0.4
        coefficients[f"act@{side}"] = 3.0 if side == 32 else 0.5
        if pmacs:
            coefficients[f"pmacs@{side}"] = 0.1
    return LatencyModel("hand", "here", SIZE, coefficients, intercept=0.3)


def test_group_widths_predict_what_the_rebuilt_model_gives():
    model = slimming.randomize_gammas(
        models.build("srnet", 1 / 4, input_shape=(*SIZE, 1))
    )
    groups = slimming.find_groups(model)
    costs = GroupLatency(model, hand_model(), groups)
    assert costs.predict() == pytest.approx(hand_model().predict(model), rel=1e-12)
    for rate in (0.3, 0.7):
        slim, plan = slimming.slim(model, rate)
        widths = {g.name: len(plan.keep[g.producers[0]]) for g in groups if g.prunable}
        assert costs.predict(widths) == pytest.approx(
            hand_model().predict(slim), rel=1e-12
        ), rate


def test_channel_costs_are_the_latency_one_channel_adds():
    # Without the padded term the model is linear in each group's width
    # (no SRNet layer reads and writes the same group): the marginal cost
    # is the exact difference of two predictions.
    model = models.build("srnet", 1 / 4, input_shape=(*SIZE, 1))
    groups = [g for g in slimming.find_groups(model) if g.prunable]
    costs = GroupLatency(model, hand_model(pmacs=False), groups)
    widths = {g.name: max(2, g.channels // 2) for g in groups}
    per_channel = costs.channel_costs(widths)
    for g in groups:
        fewer = {**widths, g.name: widths[g.name] - 1}
        assert per_channel[g.name] == pytest.approx(
            costs.predict(widths) - costs.predict(fewer), rel=1e-9
        ), g.name
    # Layer 1's channels (full resolution, dear activations) cost more than
    # the deepest layer's, though those have ~30x more MACs per channel.
    full = costs.channel_costs()
    assert full["l1_conv"] > full["l12_conv1"]


def test_budget_plan_meets_its_budget_with_the_dear_channels_first():
    model = slimming.randomize_gammas(
        models.build("srnet", 1 / 4, input_shape=(*SIZE, 1))
    )
    table = hand_model()
    full = table.predict(model)
    plan = slimming.budget_plan(model, table, 0.5 * full, round_to=2)
    slim = slimming.rebuild(model, plan)
    assert plan.select == "latency" and plan.budget_ms == pytest.approx(0.5 * full)
    assert table.predict(slim) == pytest.approx(plan.predicted_ms, rel=1e-12)
    assert plan.predicted_ms <= 0.5 * full
    # ... and stops there: one round less would still be over the budget.
    assert plan.predicted_ms > 0.5 * full - 0.05 * full
    for name, keep in plan.keep.items():
        full_width = model.get_layer(name).filters
        assert len(keep) % 2 == 0 or len(keep) == full_width, name
    # A |gamma| threshold removing as many channels is slower: it does not
    # know what the channels cost.
    by_rate, _ = slimming.slim(model, plan.pruned_fraction)
    assert table.predict(by_rate) > plan.predicted_ms
    # All scores equal (untrained gammas): the dearest channels go first,
    # the residual stream's (read and written at full resolution by 11
    # convs), not the deep layers' (cheap per channel at 2x2).
    # Full widths: more units go per pricing than there are groups, and
    # they are still the best-value ones (they once went one per group,
    # which cut every layer alike).
    even = models.build("srnet", 1.0, input_shape=(*SIZE, 1))
    cut = slimming.budget_plan(even, table, 0.8 * table.predict(even)).keep
    assert len(cut["l2_conv"]) == 1
    assert len(cut["l1_conv"]) == 64 and len(cut["l12_conv1"]) == 512
    with pytest.raises(ValueError, match="out of reach"):
        slimming.budget_plan(model, table, 0.001 * full)
    with pytest.raises(ValueError, match="latency budget must be > 0"):
        slimming.budget_plan(model, table, 0)
    # min_fraction: no group is drained below its share, the budget holds
    floored = slimming.budget_plan(
        even, table, 0.8 * table.predict(even), min_fraction=0.25
    )
    assert len(floored.keep["l2_conv"]) == 4  # 25 % of 16, not 1
    assert floored.predicted_ms <= 0.8 * table.predict(even)
    assert all(
        len(k) >= math.ceil(0.25 * even.get_layer(n).filters)
        for n, k in floored.keep.items()
    )
    with pytest.raises(ValueError, match="min_fraction"):
        slimming.budget_plan(even, table, 1.0, min_fraction=1.0)


def test_score_order_removes_the_lowest_scores_and_stops_at_the_budget():
    model = slimming.randomize_gammas(
        models.build("srnet", 1 / 4, input_shape=(*SIZE, 1)), seed=3
    )
    table = hand_model()
    budget = 0.6 * table.predict(model)
    plan = slimming.budget_plan(model, table, budget, order="score")
    knapsack = slimming.budget_plan(model, table, budget)
    assert plan.predicted_ms <= budget and plan.keep != knapsack.keep
    # Every channel cut scores at most every channel kept (a global
    # threshold), except in groups held at their floor of one channel.
    groups = [g for g in slimming.find_groups(model, SIZE) if g.prunable]
    scores = slimming.importance.score("gamma", model, groups, "mean", 0)
    cut, kept = [], []
    for g in groups:
        keep = plan.keep[g.producers[0]]
        gone = sorted(set(range(g.channels)) - set(keep))
        cut += list(scores[g.name][gone])
        if len(keep) > 1:
            kept += list(scores[g.name][keep])
    assert cut and max(cut) <= min(kept)
    with pytest.raises(ValueError, match="order must be one of"):
        slimming.budget_plan(model, table, budget, order="cheapest")


def test_latency_weights_follow_the_marginal_ms_and_their_channels(tmp_path):
    model = models.build("srnet", 1 / 4, input_shape=(*SIZE, 1), weight_decay=None)
    table = hand_model()
    groups = slimming.find_groups(model)
    ms = channel_costs(model, table, groups)
    sparse = slimming.with_sparsity(
        model, 1e-2, method="prox_latency", latency_model=table
    )
    weights = {
        g.name: np.asarray(sparse.get_layer(g.bns[0]).gamma_regularizer.weights)
        for g in groups
        if g.prunable
    }
    ratio = weights["l1_conv"][0] / weights["l12_conv1"][0]
    assert ratio == pytest.approx(ms["l1_conv"] / ms["l12_conv1"], rel=1e-6)
    prunable = [g for g in groups if g.prunable]
    total = sum(weights[g.name][0] * g.channels for g in prunable)
    assert total == pytest.approx(sum(g.channels for g in prunable), rel=1e-6)
    plan = slimming.plan_model(sparse, 0.5, importance="random", seed=1)
    slim = slimming.rebuild(sparse, plan)
    kept = plan.keep["l12_conv1"]
    reg = slim.get_layer("l12_bn1").gamma_regularizer
    np.testing.assert_allclose(reg.weights, weights["l12_conv1"][kept])
    with pytest.raises(ValueError, match="needs a latency model"):
        slimming.with_sparsity(model, 1e-2, method="gprox_latency")
    path = tmp_path / "table.json"
    path.write_text(json.dumps({**table.to_dict(), "check": {"held_out": 0}}))
    assert LatencyModel.load(str(path)) == table
    path.write_text("{}")
    with pytest.raises(ValueError, match="not a latency table"):
        LatencyModel.load(str(path))
