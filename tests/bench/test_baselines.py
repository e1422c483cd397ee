import math

import numpy as np
import pytest

from benchmarks.harness import baselines
from keras_sasrnet import models, profile
from keras_sasrnet.slimming import find_groups, importance
from keras_sasrnet.slimming.surgery import rebuild


def test_l1_scores_are_kernel_norms(tiny_xunet):
    groups = find_groups(tiny_xunet)
    scores = importance.l1_norm(tiny_xunet, groups)
    kernel = np.asarray(tiny_xunet.get_layer("g2_conv").kernel)
    expected = [np.abs(kernel[..., i]).sum() for i in range(kernel.shape[-1])]
    np.testing.assert_allclose(scores["g2_conv"], expected, rtol=1e-5)


def test_uniform_plan_keeps_the_same_fraction_of_every_group(tiny_srnet):
    groups = find_groups(tiny_srnet)
    scores = importance.l1_norm(tiny_srnet, groups)
    plan = baselines.uniform_plan(groups, scores, 0.5)
    for g in groups:
        if g.prunable:
            kept = plan.keep[g.producers[0]]
            assert len(kept) == max(1, math.ceil(0.5 * g.channels))
            best = np.sort(np.argsort(-scores[g.name], kind="stable")[: len(kept)])
            assert kept == best.tolist()
    with pytest.raises(ValueError, match="keep fraction"):
        baselines.uniform_plan(groups, scores, 0.0)


@pytest.mark.parametrize("criterion", baselines.CRITERIA)
def test_matched_prune_reaches_the_target_params(tiny_srnet, criterion, images):
    full = profile.count_params(tiny_srnet)[0]
    target = full // 4
    slim, plan = baselines.matched_prune(tiny_srnet, target, criterion, seed=3)
    params = profile.count_params(slim)[0]
    assert abs(params - target) / target < 0.05
    assert np.all(np.isfinite(np.asarray(slim(images))))
    if criterion == "random":
        _, other = baselines.matched_prune(tiny_srnet, target, criterion, seed=4)
        assert other.keep != plan.keep
    with pytest.raises(ValueError, match="criterion"):
        baselines.matched_prune(tiny_srnet, target, "magnitude")


def test_matched_width_reaches_the_target_params():
    full = profile.count_params(models.build("srnet", input_shape=(32, 32, 1)))[0]
    scale, params = baselines.matched_width(
        "srnet", full // 10, input_shape=(32, 32, 1)
    )
    assert 0.2 < scale < 0.45
    assert abs(params - full // 10) / (full // 10) < 0.05


def test_matched_prune_and_width_reach_a_latency_budget(tiny_srnet):
    """With ``size=latency_size(table)`` the target is predicted ms: the
    baselines are matched to a latency budget, not to params."""
    from tests.conftest import hand_latency_table

    table = hand_latency_table()
    size = baselines.latency_size(table)
    full_ms = table.predict(tiny_srnet)
    budget = 0.4 * full_ms
    slim, _ = baselines.matched_prune(tiny_srnet, budget, "l1", size=size)
    # the tiny model's widths move in coarse steps: the bisection lands on
    # the step nearest the budget (as near as any keep fraction gets)
    groups = find_groups(tiny_srnet)
    scores = importance.l1_norm(tiny_srnet, groups)
    reachable = [
        table.predict(
            rebuild(tiny_srnet, baselines.uniform_plan(groups, scores, f), fold=False)
        )
        for f in np.linspace(0.05, 1, 16)
    ]
    best = min(abs(ms - budget) for ms in reachable)
    assert abs(table.predict(slim) - budget) <= best + 1e-9
    assert table.predict(slim) == pytest.approx(budget, rel=0.25)
    scale, ms = baselines.matched_width("srnet", budget, size, input_shape=(32, 32, 1))
    assert ms == pytest.approx(budget, rel=0.05)
    built = models.build("srnet", scale, input_shape=(32, 32, 1))
    assert table.predict(built) == pytest.approx(ms)
