"""Scoring a Keras model on cover/stego pair datasets."""

import logging

import keras
import numpy as np
import tensorflow as tf

from keras_sasrnet import markdown
from keras_sasrnet.evaluation.metrics import error_rates, stego_probability, summary


class _NoRetracingNotice(logging.Filter):
    """Drops TF's "N out of the last M calls ... triggered retracing" notice.

    Every model a run evaluates (baseline, sparse, each round) is a new graph
    and gets its own function by design; TF counts the shared lambda's traces
    across them and warned, twice (Python and absl log), in every slim run.
    """

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


tf.get_logger().addFilter(_NoRetracingNotice())


def predict_pairs(model, dataset):
    """(labels, stego probabilities) over a finite pair dataset."""
    if keras.backend.backend() == "tensorflow":
        infer = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    else:  # tf.data still feeds it; Keras compiles the call for its backend
        infer = lambda x: model.predict_on_batch(np.asarray(x))  # noqa: E731
    labels, scores = [], []
    for images, y in dataset:
        logits = infer(images)
        scores.append(stego_probability(np.asarray(logits)))
        labels.append(np.asarray(y))
    return np.concatenate(labels), np.concatenate(scores)


def evaluate(model, dataset, threshold=0.5):
    """``ErrorRates`` (P_FA, P_FN, P_E, accuracy) of a model on a dataset.

    Example:
        >>> evaluate(model, pair_dataset(covers, stegos, "test", training=False)).p_e
    """
    return error_rates(*predict_pairs(model, dataset), threshold=threshold)


def evaluate_sets(
    model_paths, test_sets, pairs_per_batch=16, log=print, trust_savedmodel=False
):
    """Scores every model on every test set.

    Args:
        model_paths: {model name: .keras file, SavedModel folder or .tflite}.
        trust_savedmodel: open SavedModel folders (their graphs run ops that
            may touch files); refused otherwise.
        test_sets: {set name: (covers folder, stegos folder, split or None)}.

    Returns:
        {(model name, set name): {"summary": metrics.summary(...),
        "files": [...], "labels": array, "scores": array}}.

    Raises:
        ValueError: a model trained on another domain than a set's images.
    """
    from keras_sasrnet.data import pairs
    from keras_sasrnet.models import formats

    results = {}
    for set_name, (covers, stegos, split) in test_sets.items():
        cover_paths, stego_paths, manifest = pairs.match_pairs(covers, stegos, split)
        files = [p for pair in zip(cover_paths, stego_paths, strict=True) for p in pair]
        dataset = pairs.pair_dataset(
            covers, stegos, split, pairs_per_batch, training=False
        )
        size = tuple(manifest.size)
        for model_name, path in model_paths.items():
            logits_fn, metadata = formats.open_detector(
                path, size, trust_savedmodel, "--trust_savedmodel"
            )
            domain = metadata.get("domain", "spatial")
            if domain != manifest.domain:
                raise ValueError(
                    f"model {model_name} ({path}) takes {domain} input; test set "
                    f"{set_name} ({covers}) holds {manifest.domain} images"
                )
            labels, scores = [], []
            for images, y in dataset:
                scores.append(stego_probability(logits_fn(images.numpy())))
                labels.append(y.numpy())
            labels, scores = np.concatenate(labels), np.concatenate(scores)
            results[(model_name, set_name)] = {
                "summary": summary(labels, scores),
                "files": files,
                "labels": labels,
                "scores": scores,
            }
            log(
                f"{model_name} on {set_name}: accuracy "
                f"{results[(model_name, set_name)]['summary']['accuracy']:.4f}"
            )
    return results


def mismatch_table(results, key="accuracy", percent=True):
    """Markdown table: trained models on rows, test sets on columns."""
    model_names = list(dict.fromkeys(m for m, _ in results))
    set_names = list(dict.fromkeys(s for _, s in results))
    rows = []
    for m in model_names:
        cells = [m]
        for s in set_names:
            value = results[(m, s)]["summary"][key]
            cells.append(f"{100 * value:.2f} %" if percent else f"{value:.4f}")
        rows.append(cells)
    return markdown.table([key, *set_names], rows)
