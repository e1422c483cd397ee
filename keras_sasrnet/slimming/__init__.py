"""Network slimming: sparsity penalty, channel groups, plans, rebuilds."""

from keras_sasrnet.slimming.groups import Group, find_groups
from keras_sasrnet.slimming.plan import (
    Plan,
    check_rate,
    group_scores,
    make_plan,
    plan_model,
)
from keras_sasrnet.slimming.regularizer import GammaL1
from keras_sasrnet.slimming.schedule import cumulative_rates, round_rates
from keras_sasrnet.slimming.surgery import (
    randomize_gammas,
    rebuild,
    slim,
    with_sparsity,
)

__all__ = [
    "GammaL1",
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
    "with_sparsity",
]
