"""How long the baselines train (``bench.baseline_budget``)."""


def extra_steps(c):
    """Iterations the L1/random baselines train before finetune.steps."""
    return c.sparsity.steps if c.bench.baseline_budget == "matched" else 0


def uniform_steps(c):
    """Iterations of the uniformly thinner SRNet, from scratch."""
    if c.bench.baseline_budget == "matched":
        return c.baseline.steps + c.sparsity.steps + c.finetune.steps
    return c.baseline.steps
