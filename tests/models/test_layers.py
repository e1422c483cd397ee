"""Serialisable layers: the KV filter, Abs, Subsample2D; the inference graph."""

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from keras_sasrnet import models
from keras_sasrnet.models.layers import Subsample2D


@pytest.mark.parametrize("size", [8, 9, 64])
def test_subsample_then_1x1_conv_is_the_stride_2_1x1_conv(size):
    x = np.random.default_rng(size).normal(size=(2, size, size, 3)).astype("float32")
    strided = keras.layers.Conv2D(4, 1, strides=2, padding="same")
    expected = np.asarray(strided(x))
    pointwise = keras.layers.Conv2D(4, 1, padding="same")
    pointwise.build((None, None, None, 3))
    pointwise.set_weights(strided.get_weights())
    sub = Subsample2D()
    got = np.asarray(pointwise(sub(x)))
    assert got.shape == expected.shape == (2, (size + 1) // 2, (size + 1) // 2, 4)
    assert sub.compute_output_shape((None, size, size, 3))[1] == (size + 1) // 2
    np.testing.assert_allclose(got, expected, atol=1e-6)


@pytest.mark.slow
def test_narrow_srnet_trains_at_64x64():
    """A slimmed SRNet's training step at 64x64 once crashed the process.

    oneDNN's gradient of a stride-2 1x1 conv with few input channels freed
    memory twice; the shortcut is now Subsample2D + a 1x1 conv. Run in a
    subprocess so a regression fails this test instead of killing pytest.
    """
    code = textwrap.dedent(
        """
        import keras
        import numpy as np
        from keras_sasrnet import models
        m = models.build("srnet", 0.125, input_shape=(64, 64, 1))
        m.compile("adamax", keras.losses.SparseCategoricalCrossentropy(True))
        x = np.random.default_rng(0).uniform(0, 255, (8, 64, 64, 1))
        for _ in range(2):
            m.train_on_batch(x.astype("float32"), np.tile([0, 1], 4))
        print("trained")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0 and "trained" in result.stdout, result.stderr[-1500:]


def _randomised_bn(model, seed=0):
    """Non-trivial BN statistics, so the shortcut's BN matters."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            for var in layer.weights:
                var.assign(rng.uniform(0.5, 1.5, var.shape).astype("float32"))
    return model


@pytest.mark.parametrize("size", [32, 33])
def test_for_inference_fuses_the_shortcuts_exactly(size):
    model = _randomised_bn(models.build("srnet", 1 / 8, input_shape=(32, 32, 1)))
    deploy = models.io.for_inference(model, (None, None))
    kinds = [type(layer).__name__ for layer in deploy.layers]
    assert "Subsample2D" not in kinds
    assert len(deploy.layers) == len(model.layers) - 4  # one per type-3 block
    for k in (8, 9, 10, 11):
        assert tuple(deploy.get_layer(f"l{k}_shortcut_conv").strides) == (2, 2)
    x = np.random.default_rng(1).uniform(0, 255, (2, size, size, 1)).astype("float32")
    expected = models.io.reinput(model, (size, size))(x, training=False)
    got = deploy(x, training=False)
    # Logits up to ~1e3: float32 sums in another order (JAX) differ by a few
    # units in the 7th digit of the largest term, also in a small logit.
    expected = np.asarray(expected)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(np.asarray(got), expected, rtol=0, atol=2e-6 * scale)


def test_for_inference_leaves_a_model_without_shortcuts_alone():
    model = models.build("xunet", 1 / 4, input_shape=(32, 32, 1))
    deploy = models.io.for_inference(model, (48, 48))
    assert [layer.name for layer in deploy.layers] == [
        layer.name for layer in model.layers
    ]
    assert deploy.input_shape == (None, 48, 48, 1)
