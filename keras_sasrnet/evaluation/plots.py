"""The paper's figures as PNG files (matplotlib, no display needed).

ROC curves of several models (Fig. 6), training curves (Fig. 5), |gamma|
histograms before and after sparsity training (Fig. 4), accuracy against
pruning rate with and without fine-tuning (Fig. 7). Every file is written
atomically.
"""

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from keras_sasrnet import atomic  # noqa: E402
from keras_sasrnet.evaluation import metrics  # noqa: E402


def _save(fig, path):
    with atomic.replacing(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def roc_curves(curves, path, title="ROC"):
    """One ROC plot for several models.

    Args:
        curves: {label: (labels, scores)}.
        path: the PNG to write.

    Example:
        >>> roc_curves({"SRNet": (y, s1), "SASRNet 60%": (y, s2)}, "roc.png")
    """
    fig, ax = plt.subplots(figsize=(5, 5))
    for name, (labels, scores) in curves.items():
        fpr, tpr, _ = metrics.roc(labels, scores)
        ax.plot(fpr, tpr, label=f"{name} (AUC {metrics.auc(labels, scores):.4f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set(
        xlabel="false positive rate (covers called stego)",
        ylabel="true positive rate (stegos found)",
        title=title,
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def training_curves(history, path, title="training"):
    """Accuracy and loss per epoch, training and validation.

    Args:
        history: list of per-epoch dicts (``state.json``'s ``history``).
    """
    if not history:
        raise ValueError(f"no training history to plot for {path}")
    epochs = [h["epoch"] for h in history]
    fig, (acc, loss) = plt.subplots(1, 2, figsize=(10, 4))
    for key, ax in (("accuracy", acc), ("loss", loss)):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = [h.get(prefix + key) for h in history]
            if any(v is not None for v in values):
                ax.plot(epochs, values, style, label=(prefix or "train_") + key)
        ax.set(xlabel="epoch", ylabel=key)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return _save(fig, path)


ZERO_FLOOR = 1e-6  # |gamma| below this is drawn in the "0" bin


def gamma_histogram(before, after, path, title="|gamma| of all BN channels"):
    """Histograms of |gamma| before and after sparsity training, log axis.

    Sparsity that works separates a cluster at (or near) zero from the
    channels the network keeps; a log axis shows both. Exact zeros (below
    ``ZERO_FLOOR``) get a bin of their own at the left, labelled with their
    share, so that "emptied" and "small" stay distinguishable.
    """
    before, after = np.abs(np.asarray(before)), np.abs(np.asarray(after))
    both = np.concatenate([before, after])
    positive = both[both >= ZERO_FLOOR]
    lo = np.log10(positive.min()) if positive.size else -3.0
    hi = np.log10(positive.max()) if positive.size else 0.0
    lo, hi = np.floor(min(lo, -3.0)), np.ceil(max(hi, lo + 1))
    bins = np.logspace(lo, hi, 50)
    zero_at = 10 ** (lo - 0.5)  # where the zero bin is drawn
    fig, ax = plt.subplots(figsize=(6, 4))
    for values, label in ((before, "before"), (after, "after")):
        zeros = values < ZERO_FLOOR
        share = 100 * zeros.mean() if values.size else 0.0
        drawn = np.where(zeros, zero_at, values)
        ax.hist(
            drawn,
            bins=np.concatenate([[10 ** (lo - 1)], bins]),
            alpha=0.6,
            label=f"{label} sparsity training ({share:.0f} % at 0)",
        )
    ax.set_xscale("log")
    ax.axvline(10**lo, color="grey", linewidth=0.8)
    ax.text(zero_at, ax.get_ylim()[1] * 0.95, "0", ha="center", va="top")
    ax.set(xlabel="|gamma| (log scale; left of the line: < 1e-6)", ylabel="channels")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _save(fig, path)


def accuracy_vs_rate(rates, pruned, tuned, path, baseline=None):
    """Accuracy against pruning rate, right after pruning and fine-tuned."""
    fig, ax = plt.subplots(figsize=(6, 4))
    percent = 100 * np.asarray(rates)
    ax.plot(percent, 100 * np.asarray(pruned), "o--", label="right after pruning")
    ax.plot(percent, 100 * np.asarray(tuned), "o-", label="after fine-tuning")
    if baseline is not None:
        ax.axhline(100 * baseline, color="grey", linestyle=":", label="unpruned")
    ax.set(
        xlabel="channels pruned (%)",
        ylabel="validation accuracy (%)",
        title="accuracy against pruning rate",
    )
    ax.legend(fontsize=8)
    return _save(fig, path)
