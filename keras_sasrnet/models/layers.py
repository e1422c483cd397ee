"""Small serialisable pieces the detectors need beyond stock Keras layers."""

import keras
import numpy as np
from keras import ops

# The 5x5 "KV" high-pass kernel of Ker & Kang, used as XuNet's fixed first
# layer: it suppresses image content so the network sees the stego noise.
KV_KERNEL = (
    np.array(
        [
            [-1, 2, -2, 2, -1],
            [2, -6, 8, -6, 2],
            [-2, 8, -12, 8, -2],
            [2, -6, 8, -6, 2],
            [-1, 2, -2, 2, -1],
        ],
        dtype=np.float32,
    )
    / 12.0
)


@keras.saving.register_keras_serializable(package="keras_sasrnet")
class KVKernel(keras.initializers.Initializer):
    """Initializes a (5, 5, C, F) kernel with the KV filter on every in/out pair.

    Paired with ``trainable=False`` this makes a stock Conv2D the fixed
    high-pass filter; the layer stays an ordinary Conv2D for profiling,
    export and graph analysis.
    """

    def __call__(self, shape, dtype=None):
        if tuple(shape[:2]) != (5, 5):
            raise ValueError(f"KVKernel needs a 5x5 kernel; received shape {shape}")
        kernel = np.broadcast_to(KV_KERNEL[:, :, None, None], shape)
        return ops.convert_to_tensor(kernel, dtype=dtype or "float32")

    def get_config(self):
        return {}


@keras.saving.register_keras_serializable(package="keras_sasrnet")
class Abs(keras.layers.Layer):
    """Element-wise absolute value (XuNet's ABS layer), serialisable unlike Lambda."""

    def call(self, x):
        return ops.abs(x)

    def compute_output_shape(self, input_shape):
        return input_shape
