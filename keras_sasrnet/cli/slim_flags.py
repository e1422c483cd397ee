"""The shared flags of the binaries that slim and measure models."""

from absl import flags

from keras_sasrnet.cli.common_flags import _caller, _own, _own_group, parse_floats


def define_modes(what):
    """The ``--modes`` flag: the TFLite precisions to ``what`` (see ``modes``)."""
    from keras_sasrnet.export import convert

    flags.DEFINE_list("modes", list(convert.MODES), f"TFLite precisions to {what}.")
    _own(_caller(), "modes")


def modes():
    """``--modes``, checked: a ValueError names the first unknown one."""
    from keras_sasrnet.export import convert

    for mode in flags.FLAGS.modes:
        if mode not in convert.MODES:
            raise ValueError(f"--modes: {mode!r} is not one of {convert.MODES}")
    return flags.FLAGS.modes


def define_prune_rates(default, help):
    """The ``--prune_rates`` flag: slimmed copies to make (see ``prune_rates``)."""
    flags.DEFINE_list("prune_rates", default, help)
    _own(_caller(), "prune_rates")


def prune_rates():
    """``--prune_rates`` as floats, each checked to be in [0, 1)."""
    from keras_sasrnet import slimming

    rates = parse_floats(flags.FLAGS.prune_rates, "prune_rates")
    return [slimming.check_rate(r) for r in rates]


def define_importance():
    """The ``--importance`` flag: how channels are scored."""
    _define_importance()
    _own(_caller(), "importance")


def _define_importance():
    from keras_sasrnet.slimming import importance

    flags.DEFINE_enum("importance", "gamma", list(importance.SCORERS), importance.HELP)


def define_plan_flags():
    """How channels are scored and kept: the plan flags of prune and profile."""
    from keras_sasrnet.slimming import importance

    flags.DEFINE_enum(
        "aggregate",
        "mean",
        list(importance.AGGREGATES),
        "How the |gamma| of BNs tied by a residual add are combined.",
    )
    _define_importance()
    flags.DEFINE_integer(
        "min_channels", 1, "Fewest channels a layer keeps.", lower_bound=1
    )
    flags.DEFINE_integer(
        "round_to", 1, "Round kept widths up to a multiple of this.", lower_bound=1
    )
    _own_group(_caller(), "plan_flags")


def define_selection_flags():
    """Which channels go: a rate, or exactly what sparsity emptied."""
    from keras_sasrnet.slimming.plan import SELECTIONS

    flags.DEFINE_enum(
        "select",
        "rate",
        list(SELECTIONS),
        "rate: remove the --rate lowest-scored channels; zeros: remove every "
        "channel scored <= --zero_threshold (what sparsity training emptied; "
        "--rate is then ignored and the rate it gives is reported).",
    )
    flags.DEFINE_float(
        "zero_threshold", 0.0, "Score counted as zero with --select=zeros."
    )
    flags.DEFINE_bool(
        "fold", True, "Fold removed constant channels into what reads them."
    )
    _own_group(_caller(), "selection_flags")


def define_timing_flags():
    """How latency is timed."""
    flags.DEFINE_integer("warmup", 2, "Untimed calls before timing.", lower_bound=0)
    flags.DEFINE_integer("repeats", 10, "Timed calls (median reported).", lower_bound=1)
    _own_group(_caller(), "timing_flags")
