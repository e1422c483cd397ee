"""The L1 penalty on BatchNormalization gamma that drives sparsity training.

Network slimming (Liu et al., 2017; SASRNet, Huang et al., 2024) adds
``alpha * sum(w_c * |gamma_c|)`` over every prunable BatchNormalization layer
to the training loss. Declaring it as the layers' ``gamma_regularizer`` keeps
it serialisable with the model and lets Keras scale it correctly under
``tf.distribute`` (no gradient is edited by hand).

Two ways to minimise it, chosen per penalty:

- **coupled** (``proximal=False``, the paper): the penalty is a loss term and
  its subgradient ``alpha * w * sign(gamma)`` goes through the optimizer.
  Under Adamax that subgradient is divided by the running maximum of the
  whole gradient, so it is small next to the data gradient and it jitters
  around zero instead of reaching it: on the demo's XuNet no |gamma| fell
  below 0.8 (issue 12).
- **proximal** (``proximal=True``): no loss term; after every optimizer step
  ``gamma <- sign(gamma) * max(|gamma| - step * alpha * w, 0)`` (the
  proximal operator of the L1 norm, applied by the ``slimming.proximal``
  optimizers with their own step size). Channels whose data gradient cannot
  hold them up land on exact zeros, and removing exact zeros changes
  nothing (with folding).

``w`` are optional per-channel weights (``None``: all 1), e.g. the MACs a
channel costs relative to the mean (``slimming.sparsity.cost_weights``).
"""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_sasrnet")
class GammaL1(keras.regularizers.Regularizer):
    """``alpha * sum(w * |gamma|)``, the sparsity penalty of network slimming.

    Args:
        alpha: penalty strength, >= 0 (the paper uses 1e-4).
        weights: per-channel weights >= 0 (a list), or None for all 1.
        proximal: minimise by a proximal step after each optimizer step
            instead of as a loss term (see the module docstring).

    Example:
        >>> bn = keras.layers.BatchNormalization(gamma_regularizer=GammaL1(1e-4))
    """

    def __init__(self, alpha=1e-4, weights=None, proximal=False):
        alpha = float(alpha)
        if not alpha >= 0:  # also rejects NaN
            raise ValueError(f"sparsity alpha must be >= 0; received {alpha}")
        self.alpha = alpha
        self.weights = None
        if weights is not None:
            w = np.asarray(weights, dtype="float64").reshape(-1)
            if not np.all(w >= 0):  # also rejects NaN
                raise ValueError(
                    f"sparsity weights must be >= 0; received {w.tolist()}"
                )
            self.weights = [float(v) for v in w]
        self.proximal = bool(proximal)

    def _scaled(self, x):
        if self.weights is None:
            return self.alpha
        if len(self.weights) != x.shape[-1]:
            raise ValueError(
                f"sparsity weights have {len(self.weights)} entries for "
                f"{x.shape[-1]} channels"
            )
        return self.alpha * ops.convert_to_tensor(self.weights, dtype=x.dtype)

    def __call__(self, x):
        if self.proximal:
            return ops.zeros((), dtype=x.dtype)
        return ops.sum(self._scaled(x) * ops.abs(x))

    def prox(self, x, step):
        """Soft-thresholds ``x`` by ``step * alpha * w``; never flips a sign."""
        tau = ops.cast(step, x.dtype) * self._scaled(x)
        return ops.sign(x) * ops.maximum(ops.abs(x) - tau, 0.0)

    def get_config(self):
        return {"alpha": self.alpha, "weights": self.weights, "proximal": self.proximal}
