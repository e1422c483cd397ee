"""How long the rows train (``bench.baseline_budget``), and the sentences
that say it in the report."""


def extra_steps(c):
    """Iterations the L1/random baselines train before finetune.steps."""
    return c.sparsity.steps if c.bench.baseline_budget == "matched" else 0


def uniform_steps(c):
    """Iterations of the uniformly thinner SRNet, from scratch."""
    if c.bench.baseline_budget == "matched":
        return c.baseline.steps + c.sparsity.steps + c.finetune.steps
    return c.baseline.steps


def _drop(step):
    return f"lr drop at {step}" if step else "no lr drop"


def method_recipe(c):
    """The sentence part that says how the sparsity rows trained."""
    penalty = "with" if c.finetune.sparsity else "without"
    return (
        f"sparsity training {c.sparsity.steps} it ({_drop(c.sparsity.decay_step)}), "
        f"fine-tuning {c.finetune.steps} it at lr {c.finetune.lr:g} "
        f"({_drop(c.finetune.decay_step)}), {penalty} the sparsity penalty"
    )


def baseline_recipe(c):
    """The sentence that says how long the baselines trained."""
    to = "the first method's params"
    if c.prune.select == "latency":
        to = "the same predicted latency (each budget)"
    if c.bench.baseline_budget == "matched":
        return (
            f"the L1-norm and random baselines prune the full SRNet to {to} "
            "and fine-tune for both phases' iterations "
            f"({extra_steps(c) + c.finetune.steps}, the same lr schedule "
            "shifted); the thinner SRNet trains from scratch for the full "
            f"model's iterations plus both phases ({uniform_steps(c)})."
        )
    return (
        f"the L1-norm and random baselines prune the full SRNet to {to} and "
        "fine-tune as the sparsity rows do "
        f"({c.finetune.steps} it, Li et al.'s prune-then-fine-tune; they skip "
        "the sparsity phase); the thinner SRNet trains from scratch as long as "
        f"the full model ({uniform_steps(c)} it, Scratch-E of Liu et al. 2019)."
    )
