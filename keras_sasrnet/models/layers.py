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


@keras.saving.register_keras_serializable(package="keras_sasrnet")
class Subsample2D(keras.layers.Layer):
    """Keeps every second row and column: ``x[:, ::2, ::2, :]``.

    SRNet's shortcut is a 1x1 conv with stride 2; this layer followed by a
    1x1 conv with stride 1 computes exactly that (a 1x1 'same' conv with
    stride 2 reads rows and columns 0, 2, 4, ... for any input size). The
    split exists because oneDNN (TF 2.21 on x86 CPUs) crashes with a double
    free or a segfault in the gradient of a strided 1x1 conv with few input
    channels at 48x48 and larger, which is what a slimmed SRNet trains with.
    """

    def call(self, x):
        return x[:, ::2, ::2, :]

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        half = lambda s: None if s is None else (s + 1) // 2  # noqa: E731
        return (n, half(h), half(w), c)
