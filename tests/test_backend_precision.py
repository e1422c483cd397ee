"""precision.apply sets the switch of the backend Keras runs on.

Runs in both CI legs (TensorFlow, and KERAS_BACKEND=jax), each checking its
own backend's branch.
"""

import keras
import pytest

from keras_sasrnet import precision


@pytest.fixture
def restore():
    yield
    precision.apply("float32")


def matmul_switch():
    """What the backend will do with float32 convolutions and matmuls now."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.config.jax_default_matmul_precision
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.config.experimental.tensor_float_32_execution_enabled()
    pytest.skip(f"no check for the {backend} backend")


def test_float32_and_tf32_set_this_backends_switch(restore):
    backend = keras.backend.backend()
    full, tf32 = {"jax": ("highest", None), "tensorflow": (False, True)}.get(
        backend, (None, None)
    )
    assert precision.apply("tf32") == {
        "precision": "tf32",
        "backend": backend,
        "tf32": True,
    }
    assert matmul_switch() == tf32
    assert keras.mixed_precision.global_policy().name == "float32"
    assert precision.apply("float32")["tf32"] is False
    assert matmul_switch() == full
    precision.apply("mixed_bfloat16")
    assert matmul_switch() == full  # the float32 layers stay full precision
    assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
