"""Loading saved detectors, optionally at another input size."""

import os

import keras

# Importing these registers the package's custom objects for deserialisation.
from keras_sasrnet.models import layers  # noqa: F401
from keras_sasrnet.slimming import regularizer  # noqa: F401


def load(path, input_size=None):
    """Loads a ``.keras`` model; with ``input_size`` (H, W) re-inputs it.

    SRNet and XuNet are fully convolutional up to global pooling, so the same
    weights serve any image size; a model saved with a fixed size is cloned
    onto a new input of ``input_size`` and its weights copied.

    Example:
        >>> model = load("srnet.keras", input_size=(512, 512))
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path}")
    if not str(path).endswith(".keras"):
        raise ValueError(f"expected a .keras model file; received {path}")
    model = keras.models.load_model(path, compile=False)
    if input_size is None:
        return model
    shape = tuple(model.input_shape[1:])
    if tuple(shape[:2]) == tuple(input_size):
        return model
    inputs = keras.Input((*input_size, *shape[2:]), name=model.inputs[0].name)
    clone = keras.models.clone_model(model, input_tensors=inputs)
    clone.set_weights(model.get_weights())
    return clone
