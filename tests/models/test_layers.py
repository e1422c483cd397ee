"""Serialisable layers: KV filter, HighPass, Abs, Subsample2D; the inference graph."""

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from keras_sasrnet import models
from keras_sasrnet.models.layers import HighPass, Subsample2D


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


NARROW_SRNET_STEPS = textwrap.dedent(
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


@pytest.mark.slow
def test_narrow_srnet_trains_at_64x64(capsys):
    """A slimmed SRNet's training step at 64x64 once crashed the process.

    oneDNN's gradient of a stride-2 1x1 conv with few input channels freed
    memory twice; the shortcut is now Subsample2D + a 1x1 conv. Run in a
    subprocess so a regression fails this test instead of killing pytest.
    oneDNN is TensorFlow's: other backends run the same steps in-process
    (JAX, after other tests: 6.7 s instead of 9.2 s in a fresh interpreter,
    which imports and compiles everything again).
    """
    if keras.backend.backend() != "tensorflow":
        exec(NARROW_SRNET_STEPS, {})
        assert capsys.readouterr().out.splitlines()[-1] == "trained"
        return
    result = subprocess.run(
        [sys.executable, "-c", NARROW_SRNET_STEPS],
        capture_output=True,
        text=True,
        timeout=300,
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


def test_high_pass_stem_starts_blind_to_flat_content(tmp_path):
    """SRNet's high_pass stem: zero-sum filters of He normal's norm, seeded
    by keras.utils.set_random_seed, kept through a .keras round trip."""

    def build():
        keras.utils.set_random_seed(3)
        return models.build(
            "srnet", width_scale=1 / 8, input_shape=(16, 16, 1), stem_init="high_pass"
        )

    model = build()
    kernel = model.get_layer("l1_conv").get_weights()[0]
    assert np.abs(kernel.sum(axis=(0, 1, 2))).max() < 1e-5  # flat -> 0
    norms = np.linalg.norm(kernel.reshape(9, -1), axis=0)
    assert np.all(np.abs(norms - np.sqrt(2)) < 0.2)
    np.testing.assert_array_equal(build().get_layer("l1_conv").get_weights()[0], kernel)
    conv = model.get_layer("l1_conv")
    flat = np.full((1, 16, 16, 1), 7.0, "float32")
    inner = np.asarray(conv(flat))[:, 1:-1, 1:-1]  # away from the zero padding
    assert np.abs(inner).max() < 1e-4
    path = str(tmp_path / "m.keras")
    model.save(path)
    again = models.load(path)
    np.testing.assert_array_equal(again.get_layer("l1_conv").get_weights()[0], kernel)
    # The reference stem is not zero-sum, and other values are refused.
    keras.utils.set_random_seed(3)
    he = models.build("srnet", width_scale=1 / 8, input_shape=(16, 16, 1))
    assert (
        np.abs(he.get_layer("l1_conv").get_weights()[0].sum(axis=(0, 1, 2))).min()
        > 1e-3
    )
    with pytest.raises(ValueError, match="stem_init"):
        models.build("srnet", width_scale=1 / 8, stem_init="zero")
    with pytest.raises(ValueError, match="3x3"):
        HighPass(seed=0)((5, 5, 1, 4))
