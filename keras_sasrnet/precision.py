"""Numeric precision of a run: true float32 by default, on every backend.

Steganalysis reads a +-1 grey-level signal on pixels up to 255. TensorFloat-32
(a 10-bit mantissa in convolutions and matmuls, on by default on Ampere and
newer NVIDIA GPUs in TensorFlow, JAX and cuDNN) rounds the first layer's
operands by about that much: on a lent H200 (Keras on JAX, the demo task,
LSB matching 0.4 bpp) SRNet stayed at 56.0 % validation accuracy after 21,000
iterations under TF32 and reached 85.2 % after 8,000 in true float32 (issue
17; one seed each). So every run starts with ``apply(mode)``:

- ``float32`` (default): TF32 off (TensorFlow), matmul precision "highest"
  (JAX), ``allow_tf32`` off (PyTorch).
- ``tf32``: the GPU default, for comparison.
- ``mixed_float16`` / ``mixed_bfloat16``: Keras mixed precision, with the
  stem (every layer up to the first BatchNormalization) and the output layer
  kept in float32 (``float32_stem``), as the int8 export keeps its stem in
  float. TF32 stays off for the float32 layers.

On CPUs the switches change nothing measurable; they are still set, so that
config.json says what a GPU run did.
"""

import keras

MODES = ("float32", "tf32", "mixed_float16", "mixed_bfloat16")
HELP = (
    "Numeric precision: float32 (default; TensorFloat-32 off: TF32 kept SRNet "
    "at chance on a GPU), tf32 (the GPU default), mixed_float16 or "
    "mixed_bfloat16 (float32 stem and output)."
)


def check(mode):
    if mode not in MODES:
        raise ValueError(f"precision must be one of {MODES}; received {mode!r}")
    return mode


def apply(mode):
    """Sets the process-wide precision; returns what was set (for configs)."""
    check(mode)
    tf32 = mode == "tf32"
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_tensor_float_32_execution(tf32)
    elif backend == "jax":
        import jax

        jax.config.update("jax_default_matmul_precision", None if tf32 else "highest")
    elif backend == "torch":
        import torch

        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
    keras.mixed_precision.set_global_policy(
        mode if mode.startswith("mixed_") else "float32"
    )
    return {"precision": mode, "backend": backend, "tf32": tf32}


def tf32_enabled():
    """Whether TensorFloat-32 may be used now (TensorFlow backend), or None."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    return bool(tf.config.experimental.tensor_float_32_execution_enabled())


def stem_layers(model):
    """Names of the layers from the input up to the first BatchNormalization
    (inclusive), in graph order: what mixed precision and the int8 export
    (``export.convert``) keep in float32."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        names.append(layer.name)
        if isinstance(layer, keras.layers.BatchNormalization):
            return names
    return names


def float32_stem(model):
    """A copy of ``model`` whose stem and output layer compute in float32.

    The rest keeps its (mixed) policy; Keras casts between them. Weights are
    copied.
    """
    keep = set(stem_layers(model)) | {model.layers[-1].name}

    def clone(layer):
        config = layer.get_config()
        if layer.name in keep:
            config["dtype"] = "float32"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy
