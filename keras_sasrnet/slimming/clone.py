"""Cloning a functional model with edited layer configs and given weights.

Shared by the rebuild (narrower widths) and the sparsity switch (another
gamma regularizer): both clone the graph layer by layer, then assign every
variable from arrays keyed by layer name.
"""

import re

import keras
import numpy as np

from keras_sasrnet import nested


class _Unset(keras.initializers.Initializer):
    """Zeros from numpy, for variables that are assigned right after.

    Keras' random initializers compile one XLA program per shape under JAX:
    rebuilding EfficientNetB0 spent 42 of its 48 s initialising kernels that
    were then overwritten.
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype or "float32")


def _skip_initializers(layer):
    """Swaps a fresh layer's initializers for ``_Unset``: (layer, attr, old)."""
    swapped = []
    for attr, value in list(vars(layer).items()):
        if attr.endswith("_initializer") and isinstance(
            value, keras.initializers.Initializer
        ):
            swapped.append((layer, attr, value))
            setattr(layer, attr, _Unset())
    return swapped


def _keys(layer):
    """Keys of a layer's variables, in ``layer.weights`` order.

    The short name ("kernel", "gamma") where it is unique in the layer; a
    nested model (a functional model used as a layer) holds many "kernel"s,
    so its variables are keyed by position as well: keyed by short name they
    collided and a rebuild copied the wrong arrays (max output difference
    1.41 with nothing pruned).
    """
    # An unnamed variable (ConvNeXt's LayerScale) is "variable", "variable_18"
    # in a clone: Keras numbers unnamed ones process-wide.
    names = [re.sub(r"^variable_\d+$", "variable", v.name) for v in layer.weights]
    if len(set(names)) == len(names):
        return names
    return [f"{i}:{n}" for i, n in enumerate(names)]


def layer_weights(model):
    """{layer name: {variable key (``_keys``): numpy copy}}."""
    model = nested.inline(model)
    return {
        layer.name: {
            k: np.array(v.numpy())
            for k, v in zip(_keys(layer), layer.weights, strict=True)
        }
        for layer in model.layers
    }


def clone_with(model, edit_config, weights):
    """Clones ``model`` with per-layer config edits and assigns ``weights``.

    Nested functional models are inlined first: the clone is flat.
    """
    model = nested.inline(model)

    swapped = []

    def clone_layer(layer):
        cfg = layer.get_config()
        edit_config(layer, cfg)
        clone = type(layer).from_config(cfg)
        swapped.extend(_skip_initializers(clone))
        return clone

    new = keras.models.clone_model(model, clone_function=clone_layer)
    for clone, attr, initializer in swapped:
        setattr(clone, attr, initializer)  # what its config says
    for layer in new.layers:
        if not layer.weights:
            continue  # (an unnamed Input is renamed by the clone)
        arrays = weights[layer.name]
        for key, var in zip(_keys(layer), layer.weights, strict=True):
            array = arrays[key]
            if tuple(var.shape) != array.shape:
                raise AssertionError(
                    f"{var.path}: rebuilt shape {tuple(var.shape)} != {array.shape}"
                )
            var.assign(array)
    return new
