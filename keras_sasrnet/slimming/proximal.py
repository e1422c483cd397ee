"""Optimizers that apply the proximal step of proximal ``GammaL1`` penalties.

``ProximalAdamax`` and ``ProximalSGD`` are Keras' Adamax and SGD plus one
thing: after a variable's update, if the variable carries a ``GammaL1`` with
``proximal=True`` as its regularizer, it is soft-thresholded by
``learning_rate * alpha * w / D`` where ``D`` is the optimizer's own
per-coordinate step divisor (SGD: 1; Adamax: ``u + eps``, the running
infinity norm of the gradient). That is the proximal step
in the optimizer's own metric (preconditioned proximal gradient, as in
ProxGen, Yun et al. 2021), and it gives ``alpha`` the meaning it has in the
loss: a gamma at zero stays there while its data gradient (momentum,
bias-corrected) is at most ``alpha * w`` in magnitude, as for L1 in
plain gradient descent. An unscaled threshold ``lr * alpha`` under Adamax
was tried first and is useless: Adamax's step is about ``lr`` for every
coordinate, so every gamma shrank alike (XuNet: all 248 gammas down by
0.45, none at zero at alpha 0.3; all at zero at alpha 1).

Variables without such a penalty are updated exactly as by the parent
optimizer, so these classes serve every stage. The step runs inside the
optimizer's update, so it works under ``tf.distribute``, custom loops and
every backend.
"""

import keras
from keras import ops

from keras_sasrnet.slimming.regularizer import GammaL1


def _proximal_penalty(variable):
    reg = getattr(variable, "regularizer", None)
    return reg if isinstance(reg, GammaL1) and reg.proximal else None


class _ProximalMixin:
    def build(self, variables):
        super().build(variables)
        # update_step may receive the backend's variable (TensorFlow passes
        # the tf.Variable, without the Keras regularizer): key by variable.
        self._penalties = {
            self._var_key(v): p
            for v in variables
            if (p := _proximal_penalty(v)) is not None
        }

    def _divisor(self, variable):
        """Per-coordinate divisor of this optimizer's step (SGD: 1)."""
        return 1.0

    def update_step(self, gradient, variable, learning_rate):
        super().update_step(gradient, variable, learning_rate)
        penalty = self._penalties.get(self._var_key(variable))
        if penalty is not None:
            lr = ops.cast(learning_rate, variable.dtype)
            step = ops.divide(lr, self._divisor(variable))
            self.assign(variable, penalty.prox(variable, step))


@keras.saving.register_keras_serializable(package="keras_sasrnet")
class ProximalAdamax(_ProximalMixin, keras.optimizers.Adamax):
    """Adamax with the proximal step of proximal gamma penalties.

    Example:
        >>> model.compile(ProximalAdamax(1e-3), loss)
    """

    def _divisor(self, variable):
        # Adamax steps by lr * m_hat / u (m_hat: bias-corrected momentum), so
        # its metric is u; the threshold lr * alpha / u keeps a zero gamma at
        # zero while |m_hat| <= alpha.
        u = self._u[self._get_variable_index(variable)]
        return ops.add(u, self.epsilon)


@keras.saving.register_keras_serializable(package="keras_sasrnet")
class ProximalSGD(_ProximalMixin, keras.optimizers.SGD):
    """SGD (with momentum) with the proximal step of proximal gamma penalties.

    Example:
        >>> model.compile(ProximalSGD(1e-2, momentum=0.9), loss)
    """


OPTIMIZERS = ("adamax", "sgd")


def make(name, learning_rate, momentum=0.9):
    """The named optimizer ("adamax" or "sgd"), proximal-aware.

    Example:
        >>> opt = make("sgd", 1e-2, momentum=0.9)
    """
    if name == "adamax":
        return ProximalAdamax(learning_rate)
    if name == "sgd":
        return ProximalSGD(learning_rate, momentum=momentum)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}; received {name!r}")
