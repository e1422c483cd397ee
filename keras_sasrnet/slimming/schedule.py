"""Pruning rates per round for the iterative train -> prune -> fine-tune loop.

Rates are cumulative (fractions of the original prunable channels); each
round's plan is made on the current, already narrower model, so it needs the
rate relative to what is left: ``1 - (1 - R_k) / (1 - R_{k-1})``.
"""

from keras_sasrnet.slimming.plan import check_rate

SCHEDULES = ("linear", "geometric")


def cumulative_rates(target, rounds, kind="linear"):
    """Cumulative rates after each round, ending at ``target``.

    Args:
        target: final fraction of channels removed, in [0, 1).
        rounds: number of prune -> fine-tune rounds, >= 1.
        kind: "linear" (equal steps of the rate) or "geometric" (the same
            fraction of the remaining channels every round).

    Example:
        >>> cumulative_rates(0.6, 3)
        [0.2, 0.4, 0.6]
    """
    target = check_rate(target)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be an integer >= 1; received {rounds!r}")
    if kind == "linear":
        return [target * k / rounds for k in range(1, rounds + 1)]
    if kind == "geometric":
        keep = (1 - target) ** (1 / rounds)
        return [1 - keep**k for k in range(1, rounds + 1)]
    raise ValueError(f"schedule kind must be one of {SCHEDULES}; received {kind!r}")


def round_rates(cumulative):
    """Per-round rates relative to the model entering each round.

    Example:
        >>> [round(r, 3) for r in round_rates([0.5, 0.75])] == [0.5, 0.5]
        True
    """
    rates, previous = [], 0.0
    for rate in cumulative:
        rate = check_rate(rate)
        if rate < previous:
            raise ValueError(
                f"cumulative rates must not decrease; received {list(cumulative)}"
            )
        rates.append(1 - (1 - rate) / (1 - previous))
        previous = rate
    return rates
