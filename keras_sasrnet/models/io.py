"""Loading saved detectors, optionally at another input size; metadata."""

import json
import os
import zipfile

import keras

# Importing these registers the package's custom objects for deserialisation.
from keras_sasrnet.models import layers  # noqa: F401
from keras_sasrnet.slimming import regularizer  # noqa: F401


def load(path, input_size=None, compile=False):
    """Loads a ``.keras`` model; with ``input_size`` (H, W) re-inputs it.

    SRNet and XuNet are fully convolutional up to global pooling, so the same
    weights serve any image size; a model saved with a fixed size is cloned
    onto a new input of ``input_size`` and its weights copied.

    Example:
        >>> model = load("srnet.keras", input_size=(512, 512))

    Args:
        path: a ``.keras`` file.
        input_size: (H, W) to re-input the model at, or None.
        compile: restore the optimizer (and its state) too, to resume.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path}")
    if not str(path).endswith(".keras"):
        raise ValueError(f"expected a .keras model file; received {path}")
    model = keras.models.load_model(path, compile=compile)
    if input_size is None:
        return model
    return reinput(model, input_size)


def reinput(model, input_size):
    """The same model (shared weights copied) on an (H, W) input."""
    if tuple(model.input_shape[1:3]) == tuple(input_size):
        return model
    inputs = keras.Input(
        (*input_size, model.input_shape[-1]), name=model.inputs[0].name
    )
    clone = keras.models.clone_model(model, input_tensors=inputs)
    clone.set_weights(model.get_weights())
    return clone


METADATA = "sasrnet.json"


def write_metadata(path, metadata):
    """Stores ``metadata`` (JSON) inside a ``.keras`` file, atomically.

    It travels with the model: the input domain ("spatial" or "jpeg"), the
    input size trained on, and how the model was made. Keras ignores the
    extra archive member when loading.
    """
    from keras_sasrnet import atomic

    with atomic.replacing(path, suffix=".keras") as tmp:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
            for item in src.infolist():
                if item.filename != METADATA:
                    dst.writestr(item, src.read(item.filename))
            dst.writestr(METADATA, json.dumps(metadata, indent=1))


def read_metadata(path):
    """The package metadata of a ``.keras`` file ({} if it has none)."""
    with zipfile.ZipFile(path) as z:
        if METADATA not in z.namelist():
            return {}
        return json.loads(z.read(METADATA))
