"""Scoring a Keras model on cover/stego pair datasets."""

import numpy as np
import tensorflow as tf

from keras_sasrnet.evaluation.metrics import error_rates, stego_probability


def predict_pairs(model, dataset):
    """(labels, stego probabilities) over a finite pair dataset."""
    infer = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
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
