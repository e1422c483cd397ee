import json

import keras
import numpy as np
import pytest

from keras_sasrnet.slimming import (
    Group,
    Plan,
    group_scores,
    importance,
    make_plan,
    plan_model,
    zeros_rate,
)


def group(name, channels, macs=None, prunable=True, producers=None):
    return Group(
        name=name,
        channels=channels,
        producers=tuple(producers or [name]),
        bns=(f"{name}_bn",),
        members=(f"{name}_bn",),
        consumers=(),
        prunable=prunable,
        reason="" if prunable else "tied to the model output",
        macs_per_channel=macs,
    )


GROUPS = [group("a", 3, macs=100), group("b", 2, macs=300, producers=["b1", "b2"])]
SCORES = {"a": np.array([0.1, 0.9, 0.5]), "b": np.array([0.2, 0.05])}


def test_global_threshold_by_hand():
    plan = make_plan(GROUPS, SCORES, 0.4)  # 2 of 5 channels: 0.05 (b1), 0.1 (a0)
    assert plan.keep == {"a": [1, 2], "b1": [0], "b2": [0]}
    assert plan.pruned_fraction == pytest.approx(0.4)
    assert plan.threshold == pytest.approx(0.2)
    assert make_plan(GROUPS, SCORES, 0.0).keep == {
        "a": [0, 1, 2],
        "b1": [0, 1],
        "b2": [0, 1],
    }


def test_floor_never_empties_a_group():
    plan = make_plan(GROUPS, SCORES, 0.8)  # 4 of 5 go: only a1 would stay
    assert plan.keep["a"] == [1] and plan.keep["b1"] == [0]
    assert plan.pruned_fraction == pytest.approx(0.6)
    plan = make_plan(GROUPS, SCORES, 0.4, min_channels=2)
    assert plan.keep["b1"] == [0, 1] and plan.keep["a"] == [1, 2]


def test_round_to():
    plan = make_plan(GROUPS, SCORES, 0.8, round_to=2)
    assert plan.keep == {"a": [1, 2], "b1": [0, 1], "b2": [0, 1]}


def test_per_mac_ranking_prefers_removing_costly_channels():
    # keys = score / (macs / mean macs): a -> [0.2, 1.8, 1.0], b -> [0.13, 0.03]
    keys = importance.per_mac(GROUPS, SCORES)
    plan = make_plan(GROUPS, keys, 0.4, importance="gamma_per_mac")
    assert plan.keep == {"a": [0, 1, 2], "b1": [0], "b2": [0]}
    assert Plan.from_json(plan.to_json()).importance == "gamma_per_mac"
    with pytest.raises(ValueError, match="input_size"):
        importance.per_mac([group("a", 3)], {"a": np.ones(3)})


def test_old_plans_with_flops_aware_still_load():
    old = json.dumps(
        {
            "keep": {"a": [0]},
            "rate": 0.5,
            "pruned_fraction": 0.5,
            "threshold": 1.0,
            "aggregate": "mean",
            "flops_aware": True,
        }
    )
    assert Plan.from_json(old).importance == "gamma_per_mac"


def test_zeros_selection_removes_exactly_the_zero_channels():
    scores = {"a": np.array([0.0, 0.5, 0.0]), "b": np.array([0.0, 0.2])}
    assert zeros_rate(GROUPS, scores) == pytest.approx(0.6)
    plan = make_plan(GROUPS, scores, 0.0, select="zeros")
    assert plan.keep == {"a": [1], "b1": [1], "b2": [1]}
    assert plan.rate == pytest.approx(0.6) and plan.select == "zeros"
    near = {"a": np.array([1e-4, 0.5, 0.0]), "b": np.array([0.0, 0.2])}
    assert zeros_rate(GROUPS, near) == pytest.approx(0.4)
    assert zeros_rate(GROUPS, near, 1e-3) == pytest.approx(0.6)
    with pytest.raises(ValueError, match="emptied the model"):
        zeros_rate(GROUPS, {"a": np.zeros(3), "b": np.zeros(2)})
    with pytest.raises(ValueError, match="select must be one of"):
        make_plan(GROUPS, scores, 0.0, select="some")


def test_group_scores_aggregate():
    g = Group("g", 2, ("g",), ("x", "y"), ("x", "y"), (), True)
    gammas = {"x": np.array([0.1, -0.4]), "y": np.array([0.3, 0.2])}
    np.testing.assert_allclose(group_scores([g], gammas, "mean")["g"], [0.2, 0.3])
    np.testing.assert_allclose(group_scores([g], gammas, "max")["g"], [0.3, 0.4])
    np.testing.assert_allclose(group_scores([g], gammas, "sum")["g"], [0.4, 0.6])
    with pytest.raises(ValueError, match="received 'median'"):
        group_scores([g], gammas, "median")


@pytest.mark.parametrize("rate", [1.0, 1.2, -0.1, "x", float("nan")])
def test_rate_outside_unit_interval(rate):
    with pytest.raises(ValueError, match="prune rate must be"):
        make_plan(GROUPS, SCORES, rate)


def test_bad_arguments():
    with pytest.raises(ValueError, match="min_channels must be an integer >= 1"):
        make_plan(GROUPS, SCORES, 0.4, min_channels=0)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        make_plan(GROUPS, {"a": np.ones(2), "b": np.ones(2)}, 0.4)
    with pytest.raises(ValueError, match="nothing to prune"):
        make_plan([group("a", 3, prunable=False)], {}, 0.4)


def test_json_round_trip(tmp_path):
    plan = make_plan(GROUPS, SCORES, 0.4, round_to=1)
    again = Plan.from_json(plan.to_json())
    assert again == plan
    json.loads(plan.to_json())  # plain JSON
    plan.save(tmp_path / "plan.json")
    assert Plan.load(tmp_path / "plan.json") == plan
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temp left


def test_model_without_bn_is_not_slimmable():
    x = keras.Input((8, 8, 1))
    y = keras.layers.Conv2D(4, 3, name="c")(x)
    out = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(y))
    with pytest.raises(ValueError, match="model 'plain' is not slimmable"):
        plan_model(keras.Model(x, out, name="plain"), 0.4)


def test_plan_model_hits_the_rate(tiny_srnet):
    plan = plan_model(tiny_srnet, 0.4)
    assert plan.pruned_fraction == pytest.approx(0.4, abs=0.01)
    # Tied producers share their kept channels.
    stream = [plan.keep[n] for n in ["l2_conv"] + [f"l{k}_conv2" for k in range(3, 8)]]
    assert all(s == stream[0] for s in stream)
    assert plan.keep["l9_conv2"] == plan.keep["l9_shortcut_conv"]
