"""The L1 penalty on BatchNormalization gamma that drives sparsity training.

Network slimming (Liu et al., 2017; SASRNet, Huang et al., 2024) adds
``alpha * sum(|gamma|)`` over every prunable BatchNormalization layer to the
training loss. Declaring it as the layers' ``gamma_regularizer`` keeps it
serialisable with the model and lets Keras scale it correctly under
``tf.distribute`` (no gradient is edited by hand).
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_sasrnet")
class GammaL1(keras.regularizers.Regularizer):
    """``alpha * sum(|gamma|)``, the sparsity penalty of network slimming.

    Args:
        alpha: penalty strength, >= 0 (the paper uses 1e-4).

    Example:
        >>> bn = keras.layers.BatchNormalization(gamma_regularizer=GammaL1(1e-4))
    """

    def __init__(self, alpha=1e-4):
        alpha = float(alpha)
        if not alpha >= 0:  # also rejects NaN
            raise ValueError(f"sparsity alpha must be >= 0; received {alpha}")
        self.alpha = alpha

    def __call__(self, x):
        return self.alpha * ops.sum(ops.abs(x))

    def get_config(self):
        return {"alpha": self.alpha}
