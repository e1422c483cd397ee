"""Running ``.tflite`` detectors with LiteRT (``ai_edge_litert``).

``tf.lite.Interpreter`` is deprecated; LiteRT is its successor. Inputs and
outputs stay float32 (full-int8 models quantise inside), so a ``.tflite``
detector is called like a Keras one. Its metadata sits beside it in
``<file>.json``.
"""

import json
import os

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def sidecar(path):
    return f"{path}.json"


def read_sidecar(path):
    """The package's metadata beside a model file ({} if there is none)."""
    if not os.path.exists(sidecar(path)):
        return {}
    with open(sidecar(path)) as f:
        return json.load(f)


def weight_bytes(path):
    """Bytes of the constant tensors (weights, biases, quantisation tables).

    Separates what quantisation shrinks from the flatbuffer's fixed graph
    overhead, which dominates the file size of tiny models.
    """
    interpreter = Interpreter(model_path=path)
    produced = {i for op in interpreter._get_ops_details() for i in op["outputs"]}
    inputs = {d["index"] for d in interpreter.get_input_details()}
    total = 0
    for tensor in interpreter.get_tensor_details():
        if tensor["index"] in produced or tensor["index"] in inputs:
            continue
        total += int(np.prod(tensor["shape"])) * np.dtype(tensor["dtype"]).itemsize
    return total


class LiteRTModel:
    """A ``.tflite`` model called on (N, H, W, 1) float32 batches -> logits.

    Example:
        >>> logits = LiteRTModel("slim_int8.tflite")(images)
    """

    def __init__(self, path, threads=None):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no model file at {path}")
        self.path = path
        self.interpreter = Interpreter(model_path=path, num_threads=threads)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self.metadata = read_sidecar(path)

    def __call__(self, batch):
        batch = np.asarray(batch, dtype=np.float32)
        if tuple(self.input["shape"]) != batch.shape:
            self.interpreter.resize_tensor_input(self.input["index"], batch.shape)
            self.interpreter.allocate_tensors()
            self.input = self.interpreter.get_input_details()[0]
            self.output = self.interpreter.get_output_details()[0]
        self.interpreter.set_tensor(self.input["index"], batch)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output["index"]).copy()
