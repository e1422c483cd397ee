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

The beta of a channel whose gamma is exactly 0 is soft-thresholded the same
way, so that an emptied channel outputs exactly 0: on XuNet with 70 % of the
channels at zero and their betas left alone, removing them cost 0.5 pp of
validation accuracy (the folded constants are wrong at zero-padded borders).

Gammas whose penalties share a ``group`` (BNs scaling tied channels) take
the group-lasso step together (``GammaL1.group_prox``): each member, right
after its own update, is scaled by ``max(1 - tau * sqrt(k) / n, 0)`` with
``n`` the channel's L2 norm over the k members as they stand (members
updated earlier in the step count with their new values: a block
Gauss-Seidel sweep). A channel whose norm falls below the threshold goes to
zero in every member.

Variables without such a penalty are updated exactly as by the parent
optimizer, so these classes serve every stage. The step runs inside the
optimizer's update, so it works under ``tf.distribute`` and custom loops
(checked on TensorFlow; the code is backend-neutral Keras ops).
"""

import keras
from keras import ops
from keras.src.utils.tracking import no_automatic_dependency_tracking

from keras_sasrnet.penalty import GammaL1


def _proximal_penalty(variable):
    reg = getattr(variable, "regularizer", None)
    return reg if isinstance(reg, GammaL1) and reg.proximal else None


class _ProximalMixin:
    # Untracked, as Keras' own build: the gamma variables held in
    # self._betas must not become optimizer variables (checkpoint copies).
    @no_automatic_dependency_tracking
    def build(self, variables):
        super().build(variables)
        # update_step may receive the backend's variable (TensorFlow passes
        # the tf.Variable, without the Keras regularizer): key by variable.
        self._penalties, self._betas, self._peers = {}, {}, {}
        by_path = {v.path: v for v in variables}
        groups = {}
        for v in variables:
            penalty = _proximal_penalty(v)
            if penalty is None:
                continue
            self._penalties[self._var_key(v)] = penalty
            if penalty.group is not None:
                groups.setdefault(penalty.group, []).append(v)
            beta = by_path.get(v.path.rsplit("/", 1)[0] + "/beta")
            if v.path.endswith("/gamma") and beta is not None:
                self._betas[self._var_key(beta)] = (v, penalty)
        for members in groups.values():
            for v in members:
                key = self._var_key(v)
                self._peers[key] = [p for p in members if self._var_key(p) != key]

    def _divisor(self, variable):
        """Per-coordinate divisor of this optimizer's step (SGD: 1)."""
        return 1.0

    def update_step(self, gradient, variable, learning_rate):
        super().update_step(gradient, variable, learning_rate)
        key = self._var_key(variable)
        lr = ops.cast(learning_rate, variable.dtype)
        # A value, not the variable: JAX refuses variables inside jnp ops.
        value = ops.convert_to_tensor(variable)
        if key in self._penalties:
            step = ops.divide(lr, self._divisor(variable))
            penalty, peers = self._penalties[key], self._peers.get(key)
            if peers:
                squares = ops.square(value)
                for peer in peers:
                    squares = squares + ops.square(ops.convert_to_tensor(peer))
                norm = ops.sqrt(squares)
                shrunk = penalty.group_prox(value, norm, len(peers) + 1, step)
            else:
                shrunk = penalty.prox(value, step)
            self.assign(variable, shrunk)
        elif key in self._betas:
            # The beta of a channel whose gamma is exactly 0 gets the same
            # proximal step: the channel then outputs exactly 0, not the
            # constant beta, and removing it is exact at zero-padded
            # borders too (a folded constant is not).
            gamma, penalty = self._betas[key]
            step = ops.divide(lr, self._divisor(variable))
            dead = ops.equal(ops.convert_to_tensor(gamma), 0.0)
            shrunk = penalty.prox(value, step)
            self.assign(variable, ops.where(dead, shrunk, value))


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
