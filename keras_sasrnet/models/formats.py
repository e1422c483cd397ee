"""One call for a detector in any saved format: .keras, SavedModel, .tflite.

``open_detector(path)`` returns (logits function on (N, H, W, 1) float32
batches, metadata dict). Used by ``sasrnet_detect`` and ``sasrnet_eval``.
"""

import json
import os

import numpy as np
import tensorflow as tf

from keras_sasrnet.models import io
from keras_sasrnet.models.litert import LiteRTModel

UNTRUSTED_SAVEDMODEL = (
    "{path}: a SavedModel runs the TensorFlow ops stored in its graph, which "
    "may read or write files; open it only if you made it or trust its "
    "source ({flag}). .keras files load in Keras' safe mode."
)


def open_detector(path, input_size=(None, None), trust_savedmodel=False, flag=""):
    """(logits_fn, metadata) for a ``.keras`` file, SavedModel folder or ``.tflite``.

    A SavedModel is refused unless ``trust_savedmodel``: loading it runs its
    graph's ops, as Keras' ``safe_mode`` guards against for ``.keras`` files.
    ``flag`` names how a user says "trusted" (for the message). The metadata
    of a ``.keras`` model gains ``min_side``, its total stride.

    Example:
        >>> logits, meta = open_detector("slim_int8.tflite")
    """
    if str(path).endswith(".tflite"):
        model = LiteRTModel(path)
        return model, model.metadata
    if os.path.isdir(path):
        if not os.path.exists(os.path.join(path, "saved_model.pb")):
            raise ValueError(f"{path} is a folder but not a SavedModel")
        if not trust_savedmodel:
            raise ValueError(
                UNTRUSTED_SAVEDMODEL.format(path=path, flag=flag or "trust_savedmodel")
            )
        serving = tf.saved_model.load(path).signatures["serving_default"]
        meta_path = os.path.join(path, "sasrnet.json")
        metadata = {}
        if os.path.exists(meta_path):
            with open(meta_path) as f:
                metadata = json.load(f)

        def saved_logits(batch):
            out = serving(tf.constant(np.asarray(batch, np.float32)))
            return next(iter(out.values())).numpy()

        return saved_logits, metadata
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
