"""Running ``.onnx`` detectors with ONNX Runtime, like the ``.tflite`` ones.

Intra-op thread spinning is off: on a shared 2-core machine spinning threads
starved each other (full SRNet in 1.7 s instead of 55 ms with a second job
running, DESIGN.md section 7). Metadata sits beside the file in
``<file>.json``, as for ``.tflite``.
"""

import os

import numpy as np
import onnxruntime

from keras_sasrnet.models.litert import read_sidecar


class OnnxModel:
    """An ``.onnx`` model called on (N, H, W, 1) float32 batches -> logits.

    Example:
        >>> logits = OnnxModel("slim.onnx")(images)
    """

    def __init__(self, path, threads=None):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no model file at {path}")
        self.path = path
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count()
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = onnxruntime.InferenceSession(
                path, options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # onnxruntime raises its own Fail/InvalidGraph
            raise ValueError(f"{path}: not an ONNX model ({e})") from None
        self.input = self.session.get_inputs()[0].name
        self.metadata = read_sidecar(path)

    def __call__(self, batch):
        batch = np.asarray(batch, dtype=np.float32)
        return self.session.run(None, {self.input: batch})[0]
