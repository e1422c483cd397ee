"""Every row of one seed: the sparsity methods pruned at each rate (or
latency budget) and fine-tuned, the baselines matched to them, and each
row's int8 model."""

import functools
import json
import os

import numpy as np

from benchmarks.harness import baselines
from benchmarks.harness.budgets import extra_steps, uniform_steps
from benchmarks.harness.config import parse_method
from benchmarks.harness.tasks import model_config
from keras_sasrnet import models, slimming
from keras_sasrnet.data import pairs
from keras_sasrnet.train import loop, run, stages

MODEL = "model.keras"


def _loader(path, sparsity=None, method="l1", input_size=None, latency_model=None):
    def build():
        m = models.load(path)
        if sparsity is None:
            return m
        return slimming.with_sparsity(
            m,
            sparsity,
            method=method,
            input_size=input_size,
            latency_model=latency_model,
        )

    return build


def _train(r, build, steps, lr, folder, decay_step=0, **kwargs):
    return run.train_stage(r, build, steps, lr, decay_step, folder, MODEL, **kwargs)


def _finetune(r, slim, folder, extra, more=0):
    """Fine-tunes a pruned model for finetune.steps (+ ``more`` first).

    A model pruned from a sparsity-trained one still carries its gamma
    penalty; ``stages.tuning_model`` removes it unless ``finetune.sparsity``
    (False in ``harness.config.bench()``: the benchmark is one round)."""
    pruned = os.path.join(folder, "pruned.keras")
    loop.save(slim, pruned)
    extra = dict(extra, val_accuracy_pruned=r.val_accuracy(slim))
    f = r.c.finetune
    decay = f.decay_step and more + f.decay_step
    build = functools.partial(stages.tuning_model, pruned, r.c)
    model = _train(r, build, more + f.steps, f.lr, folder, decay)
    return {**extra, **r.measure(model, folder, timing=False)}


def run_seed(c, task_dir, pretrained, seed, log=print):
    """Every row of one seed of one task: {(method, rate): metrics}."""
    s = c.copy_and_resolve_references()
    s.seed = seed
    r = run.Run(s, os.path.join(task_dir, f"seed_{seed}"), log)
    # prune.select="latency": a rate is the cut of the full model's predicted
    # latency; the baselines are matched to that budget, not to params
    table = stages.latency_table(c) if c.prune.select == "latency" else None
    full_ms = table.predict(models.load(pretrained)) if table else None
    rows = {}
    for text in c.bench.methods:
        rows.update(_method_rows(c, r, pretrained, text, table, full_ms))
    first = c.bench.methods[0]  # the baselines match its params
    for rate in c.bench.baseline_rates:
        target = (1 - rate) * full_ms if table else rows[(first, rate)]["params"]
        for criterion in c.bench.baselines:
            work = _baseline_work(c, r, pretrained, criterion, rate, target, table)
            rows[(criterion, rate)] = r.stage(stage_folder(criterion, rate), work)
    if c.bench.get("int8", False):
        for key in rows:
            row_dir = os.path.join(r.workdir, stage_folder(*key))
            work = functools.partial(_int8, r, row_dir)
            rows[key] = {**rows[key], **r.stage(f"int8_{stage_folder(*key)}", work)}
    return rows


def _method_rows(c, r, pretrained, text, table, full_ms):
    """A sparsity method's rows ("method:alpha[/order]"): its sparsity stage
    (shared by the rows of one "method:alpha"), then one pruned and
    fine-tuned row per rate of ``bench.rates``."""
    method, alpha = parse_method(text)
    spec, _, order = text.partition("/")
    sparse = sparse_folder(text)
    r.stage(
        sparse,
        functools.partial(_sparse, c, r, pretrained, method, alpha, spec),
    )
    planned = r.c.copy_and_resolve_references()
    if order:
        planned.prune.latency_order = order
    rows = {}
    for rate in c.bench.rates:

        def prune(folder, rate=rate):
            model = models.load(os.path.join(r.workdir, sparse, MODEL))
            budget = table and (1 - rate) * full_ms
            slim, plan = stages.slim_as_configured(model, rate, planned, r.size, budget)
            plan.save(os.path.join(folder, "plan.json"))
            extra = {"stage": text, "rate": rate}
            if table:
                extra.update(budget_ms=budget, predicted_ms=plan.predicted_ms)
            return _finetune(r, slim, folder, extra)

        rows[(text, rate)] = r.stage(stage_folder(text, rate), prune)
    return rows


def _sparse(c, r, pretrained, method, alpha, text, folder):
    """The sparsity stage from the full SRNet (the guard's ladder with
    ``sparsity.adaptive``, alpha its first rung)."""
    sp = c.sparsity
    if sp.adaptive:
        return {
            "stage": "sparse",
            "method": text,
            "guard": _guarded(r, folder, pretrained, method, alpha),
        }
    _train(
        r,
        _loader(pretrained, alpha, method, r.size, stages.latency_table(c)),
        sp.steps,
        sp.lr or c.train.lr,
        folder,
        sp.decay_step,
        optimizer=slimming.sparsity.method(method).optimizer,
        momentum=sp.momentum,
        keep="last",
    )
    return {"stage": "sparse", "method": text}


def _baseline_work(c, r, pretrained, criterion, rate, target, table):
    """The stage of one baseline row: pruned from the full SRNet by
    ``criterion`` to ``target`` (params, or ms with a latency ``table``) and
    fine-tuned, or (``"uniform"``) a thinner SRNet from scratch."""
    size = baselines.latency_size(table) if table else baselines.params_size
    unit = "target_ms" if table else "target_params"
    if criterion == "uniform":
        return functools.partial(_uniform, c, r, target, rate, size, unit)

    def work(folder):
        model = models.load(pretrained)
        slim, plan = baselines.matched_prune(model, target, criterion, r.c.seed, size)
        plan.save(os.path.join(folder, "plan.json"))
        extra = {"stage": criterion, "rate": rate, unit: target}
        if table:
            extra["predicted_ms"] = table.predict(slim)
        return _finetune(r, slim, folder, extra, extra_steps(c))

    return work


def _guarded(r, folder, pretrained, method, alpha):
    """The sparsity guard (``train.guard``) from the full SRNet: its ladder.

    The reference is the full model's validation accuracy as
    ``sparsity.reference`` says (its best epoch's, or the level of its
    training's last quarter of epochs); with ``sparsity.probe_steps`` each
    rung is also judged by its probe, as in the schedule; the kept model is
    folder/model.keras."""
    from keras_sasrnet.train import guard

    c = r.c.copy_and_resolve_references()
    c.sparsity.method, c.sparsity.alpha = method, alpha
    table = stages.latency_table(c)
    full_dir = os.path.dirname(pretrained)
    with open(os.path.join(full_dir, run.DONE)) as f:
        best = json.load(f)["val_accuracy"]
    level = guard.baseline_reference(
        c.sparsity.reference, os.path.join(full_dir, "train"), best
    )

    def build(path, a, first):
        return _loader(path, a, method, r.size, table)()

    def zeros(model):
        return stages.zero_fraction(model, c.prune.zero_threshold, c.prune.aggregate)

    seed_config, r.c = r.c, c  # the guard reads this method's recipe from r.c
    try:
        probe = stages.probe_fn(r, folder) if c.sparsity.probe_steps else None
        _, path = guard.guarded_sparsity(
            r, folder, pretrained, level, zeros, build, probe
        )
    finally:
        r.c = seed_config
    return path


def _int8(r, row_dir, folder):
    """A row's model in LiteRT int8 (float stem, calibrated on 64 training
    pairs): test accuracy, and decisions agreeing with its float model's."""
    import itertools

    from keras_sasrnet.evaluation import metrics
    from keras_sasrnet.export import convert
    from keras_sasrnet.models.litert import LiteRTModel

    train = pairs.pair_dataset(
        r.covers, r.stegos, "train", 16, training=False, log=lambda *_: None
    )
    calibration = np.concatenate([x.numpy() for x, _ in itertools.islice(train, 4)])
    path = os.path.join(folder, "model_int8.tflite")
    model = models.load(os.path.join(row_dir, MODEL))
    convert.export_tflite(model, path, "int8", r.size, calibration)
    lite = LiteRTModel(path)
    labels, scores = [], []
    for x, y in r.test:
        scores.append(metrics.stego_probability(lite(x.numpy())))
        labels.append(y.numpy())
    labels, scores = np.concatenate(labels), np.concatenate(scores)
    with np.load(os.path.join(row_dir, "test_scores.npz")) as saved:
        float_scores = saved["scores"]
    return {
        "int8_test_accuracy": metrics.summary(labels, scores)["accuracy"],
        "int8_decision_agreement": float(
            np.mean((scores > 0.5) == (float_scores > 0.5))
        ),
    }


def _uniform(c, r, target, rate, size, unit, folder):
    # The sparsity rows start from the full SRNet: so does this one's shape.
    kwargs = model_config(c, "srnet").model.to_dict()
    del kwargs["arch"], kwargs["width_scale"]
    arch = "srnet"
    scale, reached = baselines.matched_width(
        arch, target, size, input_shape=(*r.size, 1)
    )
    steps = uniform_steps(c)

    def build():
        return models.build(arch, scale, input_shape=(*r.size, 1), **kwargs)

    decay = 0
    if c.baseline.decay_step and c.baseline.steps:
        decay = round(steps * c.baseline.decay_step / c.baseline.steps)
    model = _train(r, build, steps, c.train.lr, folder, decay)
    return {
        "stage": "uniform",
        "rate": rate,
        "width_scale": scale,
        unit: target,
        **({"predicted_ms": reached} if unit == "target_ms" else {}),
        **r.measure(model, folder, timing=False),
    }


def stage_folders(c):
    """The stage folders (under seed_K) that ``run_seed`` makes for config
    ``c``: what this config's time is summed over (a work folder can also
    hold stages of methods since dropped from the config)."""
    names = [sparse_folder(text) for text in c.bench.methods]
    keys = [(m, rate) for m in c.bench.methods for rate in c.bench.rates]
    keys += [(b, rate) for rate in c.bench.baseline_rates for b in c.bench.baselines]
    rows = [stage_folder(*k) for k in keys]
    names += rows
    if c.bench.get("int8", False):
        names += [f"int8_{row}" for row in rows]
    # methods that differ only in their "/order" share one sparsity stage
    return list(dict.fromkeys(names))


def sparse_folder(text):
    """The sparsity stage folder of a method "name:alpha[/order]" (one per
    "name:alpha": the orders share it)."""
    return "sparse_" + text.partition("/")[0].replace(":", "_")


def stage_folder(method, rate):
    """The stage folder (under seed_K) of a row of ``run_seed``."""
    return f"{method.replace(':', '_').replace('/', '_')}_{rate:g}"
