"""Figures computed by the tests themselves, to check the ones a run reports."""

import numpy as np

from keras_sasrnet import models
from keras_sasrnet.data import pairs


def accuracy_on(model_path, covers, stegos, split):
    """Accuracy of a saved model on a split: argmax of its logits against the
    labels, counted here (not by ``evaluation.evaluate``)."""
    model = models.load(str(model_path))
    hits = count = 0
    for x, y in pairs.pair_dataset(covers, stegos, split, 8, training=False):
        predicted = np.argmax(np.asarray(model(x, training=False)), -1)
        hits += int(np.sum(predicted == np.asarray(y)))
        count += int(y.shape[0])
    return hits / count
