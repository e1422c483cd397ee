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

**Grouped** (``group="name"``, proximal only): the BNs that scale one channel
group (tied by residual adds) share the penalty
``alpha * w_c * sqrt(k) * ||(gamma_1c, ..., gamma_kc)||_2`` (group lasso over
the k BNs; equal to the summed L1 when all k are equal), and the proximal
step shrinks them together, so a tied channel reaches zero in every BN at
once. Per-BN L1 empties tied BNs one by one: on the demo's SRNet
(``prox_cost`` alpha 7e-3) the six BNs of the full-resolution residual
stream had 3, 5, 9, 11, 14 and 14 of their 16 channels at zero, and none of
the 16 channels was free to go.
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
        group: name shared by the penalties of BNs whose channels are tied;
            their proximal step is the group-lasso one (proximal only).

    Example:
        >>> bn = keras.layers.BatchNormalization(gamma_regularizer=GammaL1(1e-4))
    """

    def __init__(self, alpha=1e-4, weights=None, proximal=False, group=None):
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
        if group is not None and not self.proximal:
            raise ValueError(
                f"a grouped sparsity penalty (group {group!r}) must be proximal"
            )
        self.group = None if group is None else str(group)

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

    def group_prox(self, x, norm, size, step):
        """The group-lasso step of member ``x`` of a group of ``size`` BNs.

        ``x <- x * max(1 - step * alpha * w * sqrt(size) / norm, 0)``, with
        ``norm`` the per-channel L2 norm over the group's gammas. Scales, so
        it never flips a sign; a channel whose norm is below the threshold
        goes to exactly 0.
        """
        tau = ops.cast(step, x.dtype) * self._scaled(x) * float(size) ** 0.5
        safe = ops.maximum(norm, 1e-12)
        return x * ops.maximum(1.0 - tau / safe, 0.0)

    def get_config(self):
        config = {
            "alpha": self.alpha,
            "weights": self.weights,
            "proximal": self.proximal,
        }
        if self.group is not None:
            config["group"] = self.group
        return config
