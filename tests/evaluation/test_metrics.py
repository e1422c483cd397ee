import numpy as np
import pytest
from sklearn import metrics as sk

from keras_sasrnet.evaluation import metrics


def test_error_rates_by_hand():
    # covers: 0.2 ok, 0.7 false alarm, 0.4 ok, 0.6 false alarm -> P_FA 2/4
    # stegos: 0.9 ok, 0.4 miss, 0.5 miss (score must exceed 0.5) -> P_FN 2/3
    labels = [0, 0, 0, 0, 1, 1, 1]
    scores = [0.2, 0.7, 0.4, 0.6, 0.9, 0.4, 0.5]
    rates = metrics.error_rates(labels, scores)
    assert rates.p_fa == pytest.approx(0.5)
    assert rates.p_fn == pytest.approx(2 / 3)
    assert rates.p_e == pytest.approx((0.5 + 2 / 3) / 2)
    assert rates.accuracy == pytest.approx(1 - rates.p_e)
    strict = metrics.error_rates(labels, scores, threshold=0.3)
    assert (strict.p_fa, strict.p_fn) == (0.75, 0.0)


def test_min_pe_by_hand():
    labels = [0, 0, 0, 1, 1, 1]
    scores = [0.1, 0.2, 0.8, 0.3, 0.9, 0.95]
    best, at = metrics.min_pe(labels, scores)
    # Threshold between 0.2 and 0.3: P_FA 1/3 (0.8), P_FN 0 -> P_E 1/6.
    assert best == pytest.approx(1 / 6)
    assert metrics.error_rates(
        labels, scores, threshold=at - 1e-9
    ).p_e == pytest.approx(1 / 6)


def test_auc_equals_scikit_learn_on_random_scores():
    rng = np.random.default_rng(0)
    labels = np.tile([0, 1], 500)
    scores = rng.uniform(size=1000) + 0.3 * labels
    assert metrics.auc(labels, scores) == pytest.approx(
        sk.roc_auc_score(labels, scores)
    )
    assert 0.6 < metrics.auc(labels, scores) < 0.9
    summary = metrics.summary(labels, scores)
    assert summary["pairs"] == 500 and summary["min_p_e"] <= summary["p_e"]


def test_errors():
    with pytest.raises(ValueError, match="both covers"):
        metrics.error_rates([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="equal-length"):
        metrics.error_rates([0, 1], [0.2])
    with pytest.raises(ValueError, match="both 0 and 1"):
        metrics.auc([0, 0], [0.1, 0.2])
    np.testing.assert_allclose(
        metrics.stego_probability(np.array([[0.0, 0.0], [0.0, np.log(3)]])), [0.5, 0.75]
    )
