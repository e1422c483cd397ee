"""Export of a trained detector to every format, with a parity report.

Parity per format against the Keras model on test images: largest absolute
logit difference, agreement of decisions, accuracy, file size.
"""

import os

import numpy as np

from keras_sasrnet import atomic, markdown, models
from keras_sasrnet.data import pairs
from keras_sasrnet.evaluation.metrics import error_rates, stego_probability
from keras_sasrnet.export import convert
from keras_sasrnet.models.formats import open_detector
from keras_sasrnet.models.litert import weight_bytes

# sasrnet_export's --int8_float_stem (``float_stem`` here and in ``convert``).
FLOAT_STEM_HELP = (
    "Keep the layers up to the first BatchNormalization in float in the int8 "
    "model (the stego signal there is +-1 on +-128 of content; fully integer "
    "XuNet falls to chance). --noint8_float_stem: fully integer, for "
    "integer-only accelerators."
)


def _images(covers, stegos, split, limit):
    """(images, labels) of up to ``limit`` pairs of a split (0: all), in order."""
    xs, ys = [], []
    for x, y in pairs.pair_dataset(covers, stegos, split, 16, training=False):
        xs.append(x.numpy())
        ys.append(y.numpy())
        if limit and sum(len(b) for b in ys) >= 2 * limit:
            break
    n = 2 * limit if limit else None
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def export_all(
    model_path,
    out,
    covers,
    stegos,
    modes=convert.MODES,
    calibration_pairs=100,
    test_pairs=0,
    log=print,
    float_stem=True,
):
    """SavedModel, ONNX and TFLite per mode in ``out``, and parity.json/.md.

    ``test_pairs=0`` uses the whole test split; ``float_stem`` as in
    ``convert.export_tflite``. Returns the parity rows (one per format).
    """
    model = models.load(model_path)
    metadata = models.io.read_metadata(model_path)
    metadata["min_side"] = models.io.total_stride(model)
    size = tuple(model.input_shape[1:3])
    if None in size:
        size = tuple(metadata.get("input_size") or ())
    # Read the data first: a bad --covers/--stegos stops before any output.
    atomic.check_folder(out)
    calibration, _ = _images(covers, stegos, "train", calibration_pairs)
    x, y = _images(covers, stegos, "test", test_pairs)
    # Built in <out>.partial and renamed: a failed conversion leaves no
    # half-exported folder.
    with atomic.staged_folder(out) as work:
        saved = convert.export_savedmodel(
            model, os.path.join(work, "savedmodel"), metadata
        )
        log(f"made {os.path.join(out, 'savedmodel')}")
        keras_logits, _ = open_detector(model_path, input_size=size)
        reference = keras_logits(x)
        keras_weights = sum(w.nbytes for w in model.get_weights())
        rows = [_row("keras", model_path, reference, reference, y, keras_weights)]
        saved_logits, _ = open_detector(saved, trust_savedmodel=True)  # made here
        rows.append(
            _row("savedmodel", saved, saved_logits(x), reference, y, keras_weights)
        )
        onnx = os.path.join(work, "model.onnx")
        convert.export_onnx(model, onnx, size, metadata)
        onnx_logits, _ = open_detector(onnx)
        rows.append(_row("onnx", onnx, onnx_logits(x), reference, y, keras_weights))
        log(f"made {os.path.join(out, 'model.onnx')}")
        for mode in modes:
            path = os.path.join(work, f"model_{mode}.tflite")
            convert.export_tflite(
                model, path, mode, size, calibration, metadata, float_stem
            )
            lite, _ = open_detector(path)
            logits = np.concatenate([lite(x[i : i + 1]) for i in range(len(x))])
            weights = weight_bytes(path)
            rows.append(_row(f"tflite {mode}", path, logits, reference, y, weights))
            log(f"made {os.path.join(out, os.path.basename(path))}")
        for row in rows:  # where the files will be
            if row["path"].startswith(work):
                row["path"] = out + row["path"][len(work) :]
        atomic.write_json(os.path.join(work, "parity.json"), rows)
        atomic.write_text(os.path.join(work, "parity.md"), parity_table(rows) + "\n")
    return rows


def _row(name, path, logits, reference, labels, weights):
    scores = stego_probability(logits)
    decisions = scores > 0.5
    reference_decisions = stego_probability(reference) > 0.5
    if os.path.isdir(path):
        size = sum(
            os.path.getsize(os.path.join(d, f))
            for d, _, files in os.walk(path)
            for f in files
        )
    else:
        size = os.path.getsize(path)
    return {
        "format": name,
        "path": path,
        "bytes": size,
        "weight_bytes": weights,
        "max_abs_logit_diff": float(np.max(np.abs(logits - reference))),
        "decision_agreement": float(np.mean(decisions == reference_decisions)),
        "accuracy": error_rates(labels, scores).accuracy,
    }


def parity_table(rows):
    header = [
        "format",
        "file",
        "weights",
        "max abs logit diff",
        "decisions agree",
        "test accuracy",
    ]
    cells = [
        [
            r["format"],
            f"{r['bytes'] / 1024:.1f} KiB",
            f"{r['weight_bytes'] / 1024:.1f} KiB",
            f"{r['max_abs_logit_diff']:.2e}",
            f"{100 * r['decision_agreement']:.1f} %",
            f"{100 * r['accuracy']:.2f} %",
        ]
        for r in rows
    ]
    return markdown.table(header, cells)
