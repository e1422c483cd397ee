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


def open_detector(path, input_size=(None, None)):
    """(logits_fn, metadata) for a ``.keras`` file, SavedModel folder or ``.tflite``.

    Example:
        >>> logits, meta = open_detector("slim_int8.tflite")
    """
    if str(path).endswith(".tflite"):
        model = LiteRTModel(path)
        return model, model.metadata
    if os.path.isdir(path):
        if not os.path.exists(os.path.join(path, "saved_model.pb")):
            raise ValueError(f"{path} is a folder but not a SavedModel")
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
    model = io.for_inference(io.load(path), input_size)
    infer = tf.function(
        lambda x: model(x, training=False),
        input_signature=[tf.TensorSpec((None, *input_size, 1), tf.float32)],
    )

    def keras_logits(batch):
        return infer(tf.constant(np.asarray(batch, np.float32))).numpy()

    return keras_logits, io.read_metadata(path)
