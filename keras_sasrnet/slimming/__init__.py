"""Network slimming: sparsity penalty, channel groups, plans, rebuilds."""

from keras_sasrnet.penalty import GammaL1
from keras_sasrnet.slimming import importance, sparsity  # noqa: F401 (modules)
from keras_sasrnet.slimming.budget import budget_plan
from keras_sasrnet.slimming.groups import Group, find_groups
from keras_sasrnet.slimming.importance import SCORERS, group_scores
from keras_sasrnet.slimming.plan import (
    SELECTIONS,
    Plan,
    check_rate,
    make_plan,
    plan_model,
    zeros_rate,
)
from keras_sasrnet.slimming.proximal import ProximalAdamax, ProximalSGD
from keras_sasrnet.slimming.schedule import cumulative_rates, round_rates
from keras_sasrnet.slimming.sparsity import (
    METHODS,
    cost_weights,
    randomize_gammas,
    with_gammas,
    with_sparsity,
    without_sparsity,
)
from keras_sasrnet.slimming.surgery import rebuild, slim

__all__ = [
    "METHODS",
    "SCORERS",
    "SELECTIONS",
    "GammaL1",
    "ProximalAdamax",
    "ProximalSGD",
    "budget_plan",
    "cost_weights",
    "without_sparsity",
    "zeros_rate",
    "Group",
    "Plan",
    "check_rate",
    "cumulative_rates",
    "find_groups",
    "group_scores",
    "make_plan",
    "plan_model",
    "randomize_gammas",
    "rebuild",
    "round_rates",
    "slim",
    "with_gammas",
    "with_sparsity",
]
