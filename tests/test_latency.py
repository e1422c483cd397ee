"""The latency model: features from widths, a fit that recovers known costs."""

import numpy as np
import pytest
import scipy.optimize

from keras_sasrnet import models
from keras_sasrnet.latency import LatencyModel, features

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
