"""Loading saved detectors, optionally at another input size; metadata."""

import json
import os
import zipfile

import keras

from keras_sasrnet import (
    atomic,
    penalty,  # noqa: F401
)

# Importing these registers the package's custom objects for deserialisation.
from keras_sasrnet.models import layers  # noqa: F401


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
    # Keras says "File not found" for a file that is there but not a zip,
    # and a bare JSONDecodeError for a broken config.json: name the file.
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a .keras file (not a zip archive; truncated?)")
    try:
        model = keras.models.load_model(path, compile=compile)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: corrupt model config ({e})") from None
    except (KeyError, zipfile.BadZipFile, EOFError) as e:
        # e.g. "There is no item named 'config.json' in the archive"
        raise ValueError(f"{path}: not a complete .keras file ({e})") from None
    except ValueError as e:  # e.g. a Lambda layer refused by safe mode
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"{path}: {first}") from None
    if input_size is None:
        return model
    return reinput(model, input_size)


def total_stride(model, probe=1024):
    """Input pixels per pixel of the model's smallest feature map, per side.

    An image smaller than this leaves the last convolutions less than one
    pixel of real content (the rest is padding): it cannot be scored.

    Example:
        >>> total_stride(models.build("srnet"))  # four stride-2 stages
        16
    """
    at = reinput(model, (probe, probe))
    smallest = probe
    for layer in at.layers:
        for tensor in keras.tree.flatten(layer.output):
            shape = tuple(tensor.shape)
            if len(shape) == 4 and shape[1]:
                smallest = min(smallest, shape[1])
    return probe // smallest


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


def _fusable(graph, node):
    """The 1x1 stride-1 conv that alone reads ``node``, a Subsample2D; or None."""
    if node.kind != "Subsample2D":
        return None
    readers = graph.consumers(node.name)
    if len(readers) != 1 or graph.nodes[readers[0]].kind != "Conv2D":
        return None
    cfg = graph.nodes[readers[0]].config
    one = (1, 1)
    if (
        tuple(cfg["kernel_size"]) != one
        or tuple(cfg["strides"]) != one
        or tuple(cfg["dilation_rate"]) != one
    ):
        return None
    return readers[0]


def for_inference(model, input_size=None):
    """The same function with each Subsample2D + 1x1 conv as one strided conv.

    ``Subsample2D`` exists only to keep a oneDNN bug out of training (see its
    docstring); a 1x1 conv with stride 2 computes the same thing in one op,
    which LiteRT runs 7.5 % faster on full SRNet at 256x256. Layer names and
    weights are kept; a model without such pairs comes back re-inputted only.

    Args:
        model: a functional ``keras.Model``.
        input_size: (H, W) of the new input (None entries for dynamic); by
            default the model's own.

    Example:
        >>> deploy = for_inference(load("slim.keras"), (256, 256))
    """
    from keras_sasrnet import graph as graph_lib

    size = tuple(input_size or model.input_shape[1:3])
    graph = graph_lib.from_model(model)
    fused = {}  # conv name -> the Subsample2D it absorbs
    for node in graph.nodes.values():
        reader = _fusable(graph, node)
        if reader is not None:
            fused[reader] = node.name
    if not fused:
        return reinput(model, size)
    skipped = set(fused.values())
    old = {layer.name: layer for layer in model.layers}
    tensors, new_layers = {}, {}
    for name, node in graph.nodes.items():
        if not node.inputs:
            shape = (*size, *node.output_shape[3:])
            tensors[name] = keras.Input(shape, name=model.inputs[0].name)
            continue
        if name in skipped:
            continue
        # a skipped Subsample2D's reader reads the Subsample2D's input instead
        args = [
            tensors[graph.nodes[i].inputs[0] if i in skipped else i]
            for i in node.inputs
        ]
        cfg = old[name].get_config()
        if name in fused:
            cfg["strides"] = (2, 2)
        layer = type(old[name]).from_config(cfg)
        tensors[name] = layer(args if len(args) > 1 else args[0])
        new_layers[name] = layer
    outputs = [tensors[name] for name in graph.outputs]
    (source,) = [n for n, node in graph.nodes.items() if not node.inputs]
    clone = keras.Model(
        tensors[source],
        outputs if len(outputs) > 1 else outputs[0],
        name=model.name,
    )
    for name, layer in new_layers.items():
        layer.set_weights(old[name].get_weights())
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


def save(model, path):
    """Saves a ``.keras`` model atomically."""
    with atomic.replacing(path, suffix=".keras") as tmp:
        model.save(tmp)
