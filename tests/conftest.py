"""Shared fixtures: tiny detectors with non-trivial BN statistics."""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Keras writes ~/.keras/keras.json and matplotlib its font cache on import,
# and the package caches demo data under ~/.cache: the tests (and the
# processes they start) write to a folder of their own instead.
_HOME = tempfile.mkdtemp(prefix="sasrnet-tests-")
os.environ["KERAS_HOME"] = os.path.join(_HOME, "keras")
os.environ["MPLCONFIGDIR"] = os.path.join(_HOME, "matplotlib")
os.environ["XDG_CACHE_HOME"] = os.path.join(_HOME, "cache")
if os.environ.get("KERAS_BACKEND") == "jax":
    # Eager JAX compiles every op for every new shape (a rebuilt network is
    # all new shapes); unoptimised CPU code halves that on these tiny tensors
    # (EfficientNetB0 built in 11.5 s instead of 25 s).
    os.environ.setdefault(
        "XLA_FLAGS",
        "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true",
    )

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import skimage.data  # noqa: E402

from keras_sasrnet import models, precision  # noqa: E402

# True float32, as every run of the package sets it: JAX's default on an H100
# (TF32 convolutions) failed six exactness tests (1e-6) there.
precision.apply("float32")

TINY = (32, 32)


def pytest_collection_modifyitems(items):
    """Modules with slow tests first (each kept whole, so that its module
    fixtures are built once): two xdist workers then end together instead
    of one finishing a minute-long test alone at the end."""
    slow = {item.module for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.module not in slow)


def randomize_bns(model, seed=0):
    """Random gamma, beta and moving statistics in every BN (in place)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            draw = {
                "gamma": rng.normal(0, 1, n),
                "beta": rng.normal(0, 0.5, n),
                "moving_mean": rng.normal(0, 2, n),
                "moving_variance": rng.uniform(0.5, 4, n),
            }  # scale=False / center=False BNs lack gamma / beta
            for v in layer.weights:
                v.assign(draw[v.name].astype("float32"))
    return model


@pytest.fixture
def images():
    """Four 32x32 grayscale images with pixel-like values."""
    rng = np.random.default_rng(1)
    return rng.uniform(0, 255, (4, *TINY, 1)).astype("float32")


@pytest.fixture
def tiny_srnet():
    model = models.build(
        "srnet", width_scale=1 / 8, input_shape=(*TINY, 1), sparsity=1e-4
    )
    return randomize_bns(model)


@pytest.fixture
def tiny_xunet():
    model = models.build("xunet", input_shape=(*TINY, 1), sparsity=1e-4)
    return randomize_bns(model)


@pytest.fixture
def photo():
    """A 64x64 crop of a real photograph (content matters to HILL, J-UNIWARD)."""
    return np.ascontiguousarray(skimage.data.camera()[100:164, 200:264])


def hand_latency_table(intercept=0.1):
    """A latency model made by hand for 32x32 inputs: 1 ms per million MACs
    and per million activation elements at every resolution."""
    from keras_sasrnet.latency import LatencyModel

    sides = (32, 16, 8, 4, 2, 1)
    costs = {f"{t}@{s}": 1.0 for t in ("macs", "act") for s in sides}
    return LatencyModel("hand", "here", (32, 32), costs, intercept=intercept)


def check_slims_exactly(model, x, tmp_path):
    """Keeping every channel reproduces ``model`` (1e-6); slimming at 0.3 and
    0.6 narrows it with finite outputs; the last one's ``.keras`` round trip
    is identical. Returns that slimmed model."""
    from keras_sasrnet import slimming
    from keras_sasrnet.models.io import save

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
    return slim
