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


def _high_pass_bases():
    """The nine zero-sum 3x3 residual filters ``HighPass`` draws from: first
    differences (-1 at the centre, +1 at a neighbour) and second differences
    (1, -2, 1 through the centre) in four directions, and the SRM "square"."""
    z = np.zeros((3, 3), np.float32)
    first, second = [], []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        f, s = z.copy(), z.copy()
        f[1, 1], f[1 + dy, 1 + dx] = -1, 1
        s[1, 1], s[1 + dy, 1 + dx], s[1 - dy, 1 - dx] = -2, 1, 1
        first.append(f)
        second.append(s)
    square = np.array([[-1, 2, -1], [2, -4, 2], [-1, 2, -1]], np.float32)
    return [*first, *second, square]


@keras.saving.register_keras_serializable(package="keras_sasrnet")
class HighPass(keras.initializers.Initializer):
    """Starts a (3, 3, C, F) kernel as a bank of high-pass residual filters.

    Filter f is base ``f % 9`` of ``_high_pass_bases`` on every input
    channel, each with a random sign, scaled to He normal's expected norm,
    plus noise of ``noise`` times that scale, then made zero-sum again (a
    zero-sum filter maps flat content to 0): the layer starts
    blind to flat content and sees the stego noise at once. SRNet's first
    layer started this way leaves the 50 % plateau within ~100 iterations on
    64x64 LSB-matching tiles, where He normal needs ~1,400
    (``benchmarks/srnet_learning``). The filters stay trainable.

    Args:
        seed: an int for a fixed draw; None draws from NumPy's global state
            (``keras.utils.set_random_seed`` seeds it).
        noise: relative standard deviation of the added noise.
    """

    def __init__(self, seed=None, noise=0.02):
        self.seed, self.noise = seed, noise

    def __call__(self, shape, dtype=None):
        if tuple(shape[:2]) != (3, 3):
            raise ValueError(f"HighPass needs a 3x3 kernel; received shape {shape}")
        seed = self.seed
        if seed is None:  # the global state set_random_seed seeds
            seed = np.random.randint(2**31)  # noqa: NPY002
        rng = np.random.default_rng(seed)
        bases = _high_pass_bases()
        # He normal's expected norm of one filter is sqrt(2), spread over
        # its C input channels.
        scale = np.sqrt(2.0 / shape[2])
        kernel = np.empty(shape, np.float32)
        for f in range(shape[3]):
            base = bases[f % len(bases)]
            for c in range(shape[2]):
                k = base * rng.choice([-1.0, 1.0]) / np.linalg.norm(base) * scale
                k = k + rng.normal(0, self.noise * scale, (3, 3))
                kernel[:, :, c, f] = k - k.mean()
        return ops.convert_to_tensor(kernel, dtype=dtype or "float32")

    def get_config(self):
        return {"seed": self.seed, "noise": self.noise}


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
