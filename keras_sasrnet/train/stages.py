"""The stages of the slimming schedule: baseline, sparsity, prune rounds.

Each takes the ``Run`` and its stage folder and returns the stage's metrics
(a Table 5 row); ``Run.stage`` runs it once.
"""

import json
import os
import shutil

import numpy as np

from keras_sasrnet import atomic, models, slimming
from keras_sasrnet.latency import LatencyModel
from keras_sasrnet.train import guard, loop
from keras_sasrnet.train.checkpoint import BEST
from keras_sasrnet.train.run import train_stage


def baseline_stage(r, folder):
    """Trains the config's full model (or takes ``baseline.model``); metrics."""
    c = r.c
    if c.baseline.model:
        build = lambda: models.load(c.baseline.model)  # noqa: E731
        steps = 0
    else:
        build, steps = r.build, c.baseline.steps
    model = train_stage(
        r, build, steps, c.train.lr, c.baseline.decay_step, folder, BEST
    )
    return {"name": "baseline", "rate": 0.0, **r.measure(model, folder)}


def zero_fraction(model, threshold=0.0, aggregate="mean"):
    """Fraction of prunable channels whose group |gamma| score is <= threshold."""
    groups = slimming.find_groups(model)
    scores = slimming.importance.score("gamma", model, groups, aggregate)
    flat = np.concatenate(list(scores.values()))
    return float(np.mean(flat <= threshold))


def sparse_stage(r, folder):
    """Sparsity-trains the baseline with the config's method; metrics.

    ``sparsity.adaptive``: the strength is chosen from validation accuracy
    (``guard.guarded_sparsity``; its path is in the metrics as ``guard``)."""
    c, s = r.c, r.c.sparsity
    start_path = os.path.join(r.workdir, "baseline", BEST)
    method = slimming.sparsity.method(s.method)
    latency_model = latency_table(c)

    def build(path=start_path, alpha=s.alpha, first=True):
        return slimming.with_sparsity(
            r.load(path),
            alpha,
            s.gamma_init if first else None,
            method=s.method,
            input_size=r.size,
            latency_model=latency_model,
        )

    def zeros(model):
        return zero_fraction(model, c.prune.zero_threshold, c.prune.aggregate)

    extra = {}
    if s.adaptive:
        with open(os.path.join(r.workdir, "baseline", "done.json")) as f:
            best = json.load(f)["val_accuracy"]
        level = guard.baseline_reference(
            s.reference, os.path.join(r.workdir, "baseline", "train"), best
        )
        probe = probe_fn(r, folder) if s.probe_steps else None
        model, extra["guard"] = guard.guarded_sparsity(
            r, folder, start_path, level, zeros, build, probe
        )
    else:
        model = train_stage(
            r,
            build,
            s.steps,
            s.lr or c.train.lr,
            s.decay_step,
            folder,
            "model.keras",
            keep="last",
            optimizer=method.optimizer,
            momentum=s.momentum,
        )
    return {
        "name": "sparsity-trained",
        "rate": 0.0,
        "method": s.method,
        "zero_fraction": zeros(model),
        **extra,
        **r.measure(model, folder, timing=False),  # timed in turns at the end
    }


def latency_table(c):
    """The config's ``latency.table`` as a ``LatencyModel``, or None."""
    table = c.get("latency", {}).get("table", "")
    return LatencyModel.load(table) if table else None


def slim_as_configured(model, rate, c, input_size, budget_ms=None):
    """``slimming.slim`` at ``rate`` with the config's ``prune`` section;
    with ``prune.select="latency"``, ``budget_plan`` to ``budget_ms``."""
    p = c.prune
    common = dict(
        aggregate=p.aggregate,
        importance=p.importance,
        min_channels=p.min_channels,
        round_to=p.round_to,
        seed=c.seed,
    )
    if p.select == "latency":
        plan = slimming.budget_plan(
            model,
            latency_table(c),
            budget_ms,
            min_fraction=p.min_fraction,
            order=p.get("latency_order", "per_ms"),
            **common,
        )
        return slimming.rebuild(model, plan, fold=p.fold), plan
    return slimming.slim(
        model,
        rate,
        fold=p.fold,
        select=p.select,
        zero_threshold=p.zero_threshold,
        input_size=input_size,
        **common,
    )


def probe_fn(r, folder):
    """The guard's probe: ``probe(rung_path, k) -> val accuracy`` of the rung's
    model with its zeros pruned, fine-tuned ``sparsity.probe_steps`` at
    ``sparsity.lr`` (``finetune.lr`` where that is unset) without the
    penalty (its lr lowered for the last quarter),
    in folder/rung_k_probe/ (resumable)."""
    c = r.c

    def probe(rung_path, k):
        sub = os.path.join(folder, f"rung_{k}_probe")
        os.makedirs(sub, exist_ok=True)
        with r.strategy.scope():
            slim, _ = slimming.slim(
                r.load(rung_path),
                0.0,
                select="zeros",
                zero_threshold=c.prune.zero_threshold,
                aggregate=c.prune.aggregate,
                min_channels=c.prune.min_channels,
                input_size=r.size,
                fold=c.prune.fold,
            )
        pruned = os.path.join(sub, "pruned.keras")
        loop.save(slim, pruned)
        steps = c.sparsity.probe_steps
        model = train_stage(
            r,
            lambda: slimming.without_sparsity(models.load(pruned)),
            steps,
            c.sparsity.lr or c.finetune.lr,
            guard.settle_step(steps),
            sub,
            "model.keras",
            keep="last",
        )
        return r.val_accuracy(model)

    return probe


def tuning_model(pruned_path, c):
    """The pruned model at ``pruned_path``, to fine-tune: its gamma penalty
    kept only with ``finetune.sparsity`` (on, it goes on shrinking what
    pruning left, and can zero a thin group)."""
    m = models.load(pruned_path)
    return m if c.finetune.sparsity else slimming.without_sparsity(m)


def prune_round(r, k, source, total, rate, folder):
    """Round ``k``: prunes ``source`` to ``total`` (``rate`` of what is left),
    scores it right away, fine-tunes it; metrics."""
    c, p = r.c, r.c.prune
    model = r.load(source)
    budget_ms = None
    if p.select == "latency":  # `total` of the baseline's predicted latency cut
        baseline = r.load(os.path.join(r.workdir, "baseline", BEST))
        budget_ms = (1 - total) * latency_table(c).predict(baseline)
    with r.strategy.scope():
        slim, plan = slim_as_configured(model, rate, c, r.size, budget_ms)
    plan.save(os.path.join(folder, "plan.json"))
    pruned_path = os.path.join(folder, "pruned.keras")
    loop.save(slim, pruned_path)
    models.io.write_metadata(pruned_path, r.metadata())
    after_prune = r.val_accuracy(slim)
    if p.select == "zeros":  # the rate is what was removed of what sparsity emptied
        rate = plan.pruned_fraction
        total = 1 - (1 - total) * (1 - rate)
    if p.select == "latency":
        r.log(
            f"round {k}: predicted latency {plan.predicted_ms:.2f} ms (budget "
            f"{plan.budget_ms:.2f} ms, {latency_table(c).runtime})"
        )
        rate = plan.pruned_fraction
    r.log(
        f"round {k}: {total:.0%} of the channels pruned ({rate:.1%} this round); "
        f"val accuracy right after pruning {after_prune:.4f}"
    )

    def build():
        return tuning_model(pruned_path, c)

    tuned = train_stage(
        r,
        build,
        c.finetune.steps,
        c.finetune.lr,
        c.finetune.decay_step,
        folder,
        "model.keras",
        "finetune",
    )
    kept = "fine-tuned"
    if c.finetune.start_competes and c.finetune.steps:
        best = loop.load_state(os.path.join(folder, "finetune"))["best_val_accuracy"]
        if after_prune > best:
            kept = "pruned"  # no fine-tuned epoch beat the model it started from
            with atomic.replacing(os.path.join(folder, "model.keras"), ".keras") as tmp:
                shutil.copyfile(pruned_path, tmp)
            tuned = r.load(os.path.join(folder, "model.keras"))
            r.log(
                f"round {k}: keeping the pruned model (val {after_prune:.4f}; the "
                f"best fine-tuned epoch {best:.4f})"
            )
    return {
        "name": f"SASRNet round {k}",
        "kept": kept,
        "rate": total,
        "round_rate": rate,
        "val_accuracy_pruned": after_prune,
        **r.measure(tuned, folder, timing=False),  # timed in turns at the end
    }
