"""The formats a detector comes in, in one registry: .keras, SavedModel, .tflite,
.onnx.

Each ``Format`` says how to recognise a path, where the package's metadata
(input domain, size, how it was made) goes, and how to open it as a logits
function on (N, H, W, 1) float32 batches. ``open_detector(path)`` picks the
format; ``sasrnet_detect``, ``sasrnet_eval`` and the export's parity report
use it, and ``export.convert`` writes each format's metadata where its
``metadata_path`` says.
"""

import dataclasses
import json
import os
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from keras_sasrnet.models import io
from keras_sasrnet.models.litert import LiteRTModel, sidecar

UNTRUSTED_SAVEDMODEL = (
    "{path}: a SavedModel runs the TensorFlow ops stored in its graph, which "
    "may read or write files; open it only if you made it or trust its "
    "source ({flag}). .keras files load in Keras' safe mode."
)


@dataclasses.dataclass(frozen=True)
class Format:
    """One saved-detector format.

    Attributes:
        name: "keras", "savedmodel", "tflite" or "onnx".
        matches: whether a path is in this format.
        metadata_path: the file holding the package's metadata (for .keras
            the archive itself: the metadata is its member ``io.METADATA``).
        open: ``open(path, input_size, trust_savedmodel, flag)`` ->
            (logits_fn, metadata).
    """

    name: str
    matches: Callable[[str], bool]
    metadata_path: Callable[[str], str]
    open: Callable


def _read_json(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def _open_tflite(path, input_size, trust_savedmodel, flag):
    model = LiteRTModel(path)
    return model, model.metadata


def _open_onnx(path, input_size, trust_savedmodel, flag):
    from keras_sasrnet.models.onnx_runtime import OnnxModel

    model = OnnxModel(path)
    return model, model.metadata


def _open_savedmodel(path, input_size, trust_savedmodel, flag):
    if not os.path.exists(os.path.join(path, "saved_model.pb")):
        raise ValueError(f"{path} is a folder but not a SavedModel")
    if not trust_savedmodel:
        raise ValueError(
            UNTRUSTED_SAVEDMODEL.format(path=path, flag=flag or "trust_savedmodel")
        )
    serving = tf.saved_model.load(path).signatures["serving_default"]
    metadata = _read_json(FORMATS["savedmodel"].metadata_path(path))

    def saved_logits(batch):
        out = serving(tf.constant(np.asarray(batch, np.float32)))
        return next(iter(out.values())).numpy()

    return saved_logits, metadata


def _open_keras(path, input_size, trust_savedmodel, flag):
    loaded = io.load(path)
    metadata = {**io.read_metadata(path), "min_side": io.total_stride(loaded)}
    model = io.for_inference(loaded, input_size)
    infer = tf.function(
        lambda x: model(x, training=False),
        input_signature=[tf.TensorSpec((None, *input_size, 1), tf.float32)],
    )

    def keras_logits(batch):
        return infer(tf.constant(np.asarray(batch, np.float32))).numpy()

    return keras_logits, metadata


FORMATS = {
    f.name: f
    for f in (
        Format("tflite", lambda p: str(p).endswith(".tflite"), sidecar, _open_tflite),
        Format("onnx", lambda p: str(p).endswith(".onnx"), sidecar, _open_onnx),
        Format(
            "savedmodel",
            os.path.isdir,
            lambda p: os.path.join(p, io.METADATA),
            _open_savedmodel,
        ),
        # the fallback: io.load names what is wrong with anything else
        Format("keras", lambda p: True, lambda p: p, _open_keras),
    )
}


def format_of(path):
    """The ``Format`` of a detector path (the first that matches)."""
    return next(f for f in FORMATS.values() if f.matches(path))


def open_detector(path, input_size=(None, None), trust_savedmodel=False, flag=""):
    """(logits_fn, metadata) for a ``.keras`` file, SavedModel folder,
    ``.tflite`` or ``.onnx``.

    A SavedModel is refused unless ``trust_savedmodel``: loading it runs its
    graph's ops, as Keras' ``safe_mode`` guards against for ``.keras`` files.
    ``flag`` names how a user says "trusted" (for the message). The metadata
    of a ``.keras`` model gains ``min_side``, its total stride.

    Example:
        >>> logits, meta = open_detector("slim_int8.tflite")
    """
    return format_of(path).open(path, input_size, trust_savedmodel, flag)
