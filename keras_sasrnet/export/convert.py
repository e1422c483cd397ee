"""Exporting a trained detector: SavedModel and TFLite in four precisions.

SavedModel: a serving signature on (N, H, W, 1) float32 with dynamic H and W
(the detectors are fully convolutional up to global pooling). TFLite: a fixed
input size (the training size unless given); "float32", "float16" (weights),
"dynamic" (int8 weights, float activations) and "int8" (weights and
activations, calibrated on representative images; float input and output).

int8 keeps the stem in float by default: the layers up to the first
BatchNormalization (XuNet: the KV filter, g1 conv, ABS, g1 BN; SRNet: the
first conv and BN). There the stego signal is +-1 grey level on top of image
content of +-128: rounding the fixed KV kernel to int8 makes its weights sum
to -0.024 instead of 0, which leaks about 3 grey levels of local mean into
the residual, and demo XuNet fell to chance (50 %). With a float stem it stays
within a point of float. ``float_stem=False`` gives a fully integer model for
integer-only accelerators, at that cost.
ONNX (``export_onnx``): Keras 3's own ``model.export(format="onnx")``
(tf2onnx), float32, dynamic batch, for ONNX Runtime.
Metadata (domain, input size, preprocessing, precision) travels
where ``models.formats.FORMATS`` says: ``sasrnet.json`` inside the
SavedModel folder, ``<file>.tflite.json`` beside each ``.tflite`` (and
``<file>.onnx.json`` beside each ``.onnx``).
"""

import json
import os
import re
import shutil
import tempfile
import warnings

import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from keras_sasrnet import atomic
from keras_sasrnet.models.formats import FORMATS
from keras_sasrnet.models.io import for_inference
from keras_sasrnet.precision import stem_layers

MODES = ("float32", "float16", "dynamic", "int8")
PREPROCESSING = (
    "grayscale pixels as float32 in [0, 255], not normalised; JPEG models take "
    "the decompressed, unrounded, unclipped pixels (dequantised 8x8 inverse DCT)"
)


def export_savedmodel(model, folder, metadata=None):
    """Writes a SavedModel with a dynamic-size serving signature, atomically."""
    parent = os.path.dirname(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=parent, prefix=".tmp-savedmodel-")
    try:
        target = os.path.join(tmp, "model")
        for_inference(model, (None, None)).export(
            target, format="tf_saved_model", verbose=False
        )
        meta = dict(metadata or {}, preprocessing=PREPROCESSING, format="savedmodel")
        with open(FORMATS["savedmodel"].metadata_path(target), "w") as f:
            json.dump(meta, f, indent=1)
        if os.path.exists(folder):
            shutil.rmtree(folder)
        os.replace(target, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _op_outputs(blob, layers):
    """Output tensor names of the ops of a .tflite blob that compute ``layers``.

    Converted op names are the Keras layer names with a ``_N`` suffix inside
    a scope path; fused ops join several such names with ";".
    """
    pattern = re.compile(
        r"(^|/)(" + "|".join(re.escape(n) for n in layers) + r")(_\d+)?/"
    )
    interpreter = Interpreter(model_content=blob)
    tensors = {t["index"]: t["name"] for t in interpreter.get_tensor_details()}
    names = []
    for op in interpreter._get_ops_details():
        for index in op["outputs"]:
            name = tensors.get(index, "")
            if any(pattern.search(part) for part in name.split(";")):
                names.append(name)
    return names


def export_tflite(
    model,
    path,
    mode="float32",
    input_size=None,
    representative=None,
    metadata=None,
    float_stem=True,
):
    """Converts a Keras model to ``.tflite`` at a precision, atomically.

    Args:
        model: a Keras detector.
        path: the ``.tflite`` file to write (metadata goes to ``path.json``).
        mode: one of ``MODES``.
        input_size: (H, W) of the converted model (default: the model's).
        representative: (N, H, W, 1) float32 images for "int8" calibration
            (covers and stegos of the training set).
        metadata: extra fields for the sidecar.
        float_stem: for "int8", keep ``stem_layers(model)`` in float (see
            the module docstring).

    Returns:
        The size of the written file in bytes.
    """
    if mode not in MODES:
        raise ValueError(f"TFLite mode must be one of {MODES}; received {mode!r}")
    size = tuple(input_size or model.input_shape[1:3])
    if None in size:
        raise ValueError("give input_size: TFLite needs a fixed input size")
    if mode == "int8" and (representative is None or len(representative) == 0):
        raise ValueError("int8 conversion needs representative images")
    with tempfile.TemporaryDirectory() as tmp:
        saved = os.path.join(tmp, "model")
        for_inference(model, size).export(saved, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        if mode != "float32":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if mode == "float16":
            converter.target_spec.supported_types = [tf.float16]
        if mode == "int8":
            images = np.asarray(representative, np.float32)

            def calibration():
                for image in images:
                    yield [image[None]]

            converter.representative_dataset = calibration
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        blob = converter.convert()
        float_layers = []
        if mode == "int8" and float_stem:
            float_layers = stem_layers(model)
            nodes = _op_outputs(blob, float_layers)
            if not nodes:
                raise RuntimeError(
                    f"found no converted ops for the stem layers {float_layers}"
                )
            with warnings.catch_warnings():
                # the debugger runs tf.lite.Interpreter internally
                warnings.filterwarnings("ignore", "(?s).*tf.lite.Interpreter")
                debugger = tf.lite.experimental.QuantizationDebugger(
                    converter=converter,
                    debug_dataset=calibration,
                    debug_options=tf.lite.experimental.QuantizationDebugOptions(
                        denylisted_nodes=nodes
                    ),
                )
                blob = debugger.get_nondebug_quantized_model()
    with atomic.replacing(path, suffix=".tflite") as tmp_path:
        with open(tmp_path, "wb") as f:
            f.write(blob)
    meta = dict(
        metadata or {},
        preprocessing=PREPROCESSING,
        format="tflite",
        precision=mode,
        input_size=list(size),
    )
    if mode == "int8":
        meta["float_layers"] = float_layers
    atomic.write_json(FORMATS["tflite"].metadata_path(path), meta)
    return len(blob)


def export_onnx(model, path, input_size=None, metadata=None):
    """Converts a Keras model to a float32 ``.onnx`` file, atomically.

    The deployed graph (``for_inference``) at ``input_size`` (H, W; default
    the model's), any batch size. Returns the size of the file in bytes.
    """
    size = tuple(input_size or model.input_shape[1:3])
    if None in size:
        raise ValueError("give input_size: the ONNX export needs a fixed size")
    graph = for_inference(model, size)
    graph(np.zeros((1, *size, 1), np.float32))  # Keras exports called models
    with atomic.replacing(path, suffix=".onnx") as tmp_path:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # tf2onnx on numpy
            graph.export(tmp_path, format="onnx", verbose=False)
    meta = dict(
        metadata or {},
        preprocessing=PREPROCESSING,
        format="onnx",
        precision="float32",
        input_size=list(size),
    )
    atomic.write_json(FORMATS["onnx"].metadata_path(path), meta)
    return os.path.getsize(path)
