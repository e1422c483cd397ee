"""Detection error rates over cover/stego pairs.

Labels: 0 = cover, 1 = stego; a score is the probability of stego.
P_FA = covers called stego, P_FN = stegos called cover,
P_E = (P_FA + P_FN) / 2 (equal priors), accuracy = 1 - P_E.
ROC and AUC come from scikit-learn.
"""

import dataclasses

import numpy as np
from sklearn import metrics as sk


@dataclasses.dataclass(frozen=True)
class ErrorRates:
    p_fa: float
    p_fn: float

    @property
    def p_e(self):
        return (self.p_fa + self.p_fn) / 2

    @property
    def accuracy(self):
        return 1 - self.p_e


def error_rates(labels, scores, threshold=0.5):
    """P_FA and P_FN of deciding "stego" when ``score > threshold``.

    Example:
        >>> error_rates([0, 0, 1, 1], [0.2, 0.7, 0.9, 0.4]).p_e
        0.5
    """
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    if labels.shape != scores.shape or labels.ndim != 1:
        raise ValueError(
            f"labels and scores must be equal-length vectors; received "
            f"{labels.shape} and {scores.shape}"
        )
    covers, stegos = scores[labels == 0], scores[labels == 1]
    if covers.size == 0 or stegos.size == 0:
        raise ValueError("error rates need both covers (label 0) and stegos (label 1)")
    return ErrorRates(
        p_fa=float(np.mean(covers > threshold)),
        p_fn=float(np.mean(stegos <= threshold)),
    )


def stego_probability(logits):
    """Softmax probability of class 1 from (N, 2) logits."""
    logits = np.asarray(logits, dtype=np.float64)
    # sigmoid(d) = (1 + tanh(d / 2)) / 2: no overflow for any logit gap.
    return 0.5 * (1 + np.tanh((logits[:, 1] - logits[:, 0]) / 2))


def min_pe(labels, scores):
    """(min over thresholds of P_E, the threshold), the steganalysis P_E."""
    fpr, tpr, thresholds = roc(labels, scores)
    pe = (fpr + 1 - tpr) / 2
    best = int(np.argmin(pe))
    return float(pe[best]), float(thresholds[best])


def roc(labels, scores):
    """(false positive rates, true positive rates, thresholds)."""
    _check(labels, scores)
    return sk.roc_curve(labels, scores)


def auc(labels, scores):
    """Area under the ROC curve."""
    _check(labels, scores)
    return float(sk.roc_auc_score(labels, scores))


def summary(labels, scores, threshold=0.5):
    """Every figure a report needs, as a JSON-ready dict."""
    rates = error_rates(labels, scores, threshold)
    best, at = min_pe(labels, scores)
    return {
        "pairs": int(np.sum(np.asarray(labels) == 0)),
        "threshold": threshold,
        "p_fa": rates.p_fa,
        "p_fn": rates.p_fn,
        "p_e": rates.p_e,
        "accuracy": rates.accuracy,
        "min_p_e": best,
        "min_p_e_threshold": at,
        "auc": auc(labels, scores),
    }


def _check(labels, scores):
    labels = np.asarray(labels)
    if labels.shape != np.shape(scores) or set(np.unique(labels)) != {0, 1}:
        raise ValueError(
            "ROC needs equal-length labels (both 0 and 1 present) and scores; "
            f"received labels {sorted(set(np.unique(labels).tolist()))} of "
            f"shape {labels.shape} and scores of shape {np.shape(scores)}"
        )
