"""The slimming schedule: baseline -> sparsity -> (prune -> fine-tune) x K.

Work directory layout (every stage resumable, every file written atomically):
  config.json              the resolved config
  baseline/                trained full model (best.keras), history, done.json
  sparse/                  sparsity-trained model, done.json
  round_K/                 plan.json, pruned.keras, finetune/, model.keras,
                           metrics.json, config.json, done.json
  table5.md, table5.json   the paper's Table 5 for this run
A stage with done.json is never redone; a stage without it resumes from its
last checkpoint. The entry points of the binaries: ``run_slimming``,
``train_model``, ``finetune_model``, ``prune_model``.
"""

import functools
import os
import shutil

from keras_sasrnet import atomic, fingerprint, models, profile, slimming
from keras_sasrnet.data import pairs
from keras_sasrnet.data.manifest import Manifest
from keras_sasrnet.evaluation import run_report
from keras_sasrnet.evaluation.evaluate import evaluate
from keras_sasrnet.latency import LatencyModel
from keras_sasrnet.train import loop, stages
from keras_sasrnet.train.checkpoint import BEST
from keras_sasrnet.train.config import validate, within_tolerance
from keras_sasrnet.train.run import Run, train_stage


def claim_workdir(config, workdir, overwrite=False):
    """Stops (before any work) if ``workdir`` holds a run of another config.

    ``overwrite`` starts such a folder over instead. The config is recorded
    as ``workdir/config.json``.
    """
    validate(config)
    fingerprint.claim(workdir, config.to_dict(), "a run", overwrite, "config.json")


def open_run(config, workdir, log=print, overwrite=False):
    """Checks all a run needs - the config, a baseline.model file, the data
    and their pairing - and only then claims ``workdir``: a run stopped by
    bad input writes nothing (and its corrected rerun is not refused as "a
    run made with other settings"). Returns the ``Run``."""
    validate(config)
    atomic.check_folder(workdir)
    if config.baseline.model:
        models.load(config.baseline.model)  # a truncated or unsafe file: now
    r = Run(config, workdir, log, record=False)
    claim_workdir(config, workdir, overwrite)
    r.record_unpaired()
    return r


def run_slimming(config, workdir, log=print, overwrite=False):
    """The whole schedule for ``config`` in ``workdir`` (resumable).

    A rerun resumes; with another config it stops (``overwrite``: starts the
    work directory over).

    Returns:
        The Table 5 rows (list of dicts), also written as table5.md/json.

    Example:
        >>> rows = run_slimming(demo_config, "work/demo")
    """
    r = open_run(config, workdir, log, overwrite)
    c = r.c
    base = r.stage("baseline", functools.partial(stages.baseline_stage, r))
    rows = [base, r.stage("sparse", functools.partial(stages.sparse_stage, r))]
    source = os.path.join(workdir, "sparse", "model.keras")
    paths = [os.path.join(workdir, "baseline", BEST), source]
    cumulative = []
    if c.prune.select == "zeros":  # each round removes what is at zero
        cumulative = [0.0] * c.prune.rounds
    elif c.prune.target:
        cumulative = slimming.cumulative_rates(
            c.prune.target, c.prune.rounds, c.prune.schedule
        )
    per_round = slimming.round_rates(cumulative)
    done_rate = 0.0
    for k, (total, rate) in enumerate(zip(cumulative, per_round, strict=True), 1):
        if c.prune.select == "zeros":
            total = done_rate
        work = functools.partial(stages.prune_round, r, k, source, total, rate)
        row = r.stage(f"round_{k}", work)
        done_rate = row["rate"]
        rows.append(row)
        source = os.path.join(workdir, f"round_{k}", "model.keras")
        paths.append(source)
        drop = base["val_accuracy"] - row["val_accuracy"]
        if not within_tolerance(drop, c.tolerance):
            log(
                f"stopping: validation accuracy {row['val_accuracy']:.4f} is "
                f"{drop:.4f} below the baseline (tolerance {c.tolerance})"
            )
            break
    _time_together(r, rows, paths)
    atomic.write_json(os.path.join(workdir, "table5.json"), rows)
    atomic.write_text(
        os.path.join(workdir, "table5.md"), run_report.table5(rows, c.tolerance) + "\n"
    )
    run_report.write_report(workdir, rows, run_report.table5(rows, c.tolerance), log)
    return rows


def _time_together(r, rows, paths):
    """Table 5's latency column: every model of the run timed in turns.

    Timed stage by stage, two copies of one network differed by up to 2x on
    a busy CPU; in turns, a change of load hits every model alike.
    """
    side = r.c.report.latency_size
    loaded = [models.io.reinput(r.load(p), (side, side)) for p in paths]
    times = profile.latencies(loaded, (side, side), repeats=r.c.report.latency_repeats)
    for row, ms in zip(rows, times, strict=True):
        row["latency_ms"] = ms


def train_model(config, workdir, log=print, overwrite=False):
    """Trains the config's full model (the baseline stage) alone.

    Returns its metrics; the model is ``workdir/baseline/best.keras``.
    """
    r = open_run(config, workdir, log, overwrite)
    return r.stage("baseline", functools.partial(stages.baseline_stage, r))


def finetune_model(config, model_path, workdir, log=print, overwrite=False):
    """Fine-tunes a (pruned) model with the config's ``finetune`` recipe.

    Returns its metrics; the model is ``workdir/model.keras``.
    """
    if not os.path.isfile(model_path):
        raise FileNotFoundError(f"no model file at {model_path}")
    validate(config)
    atomic.check_folder(workdir)
    models.load(model_path)  # a truncated or unsafe file stops it here
    r = Run(config, workdir, log, record=False)
    settings = {"config": config.to_dict(), "model": os.path.abspath(model_path)}
    fingerprint.claim(workdir, settings, "a fine-tuning", overwrite)
    r.record_unpaired()
    c = r.c

    def work(folder):
        model = train_stage(
            r,
            lambda: models.load(model_path),
            c.finetune.steps,
            c.finetune.lr,
            c.finetune.decay_step,
            folder,
            "model.keras",
        )
        with atomic.replacing(os.path.join(workdir, "model.keras"), ".keras") as tmp:
            shutil.copyfile(os.path.join(folder, "model.keras"), tmp)
        return {"name": "fine-tuned", **r.measure(model, folder)}

    return r.stage("finetune", work)


def prune_model(
    model_path,
    out,
    rate,
    covers=None,
    stegos=None,
    split="val",
    latency_table=None,
    latency_budget=None,
    **plan_kwargs,
):
    """Plans and rebuilds a model at ``rate``; optionally scores it right away.

    With ``latency_table`` (a ``table.json`` of benchmarks/latency) and
    ``latency_budget`` (a fraction of the model's predicted latency), the
    plan is ``slimming.budget_plan`` instead: ``rate`` is then unused.

    Writes ``out/plan.json``, ``out/pruned.keras`` and ``out/metrics.json``
    (params and MACs before/after; with data, accuracy before and right after
    pruning on ``split``). Returns the metrics. ``rate`` may be None only
    with ``select="zeros"``; ``covers`` and ``stegos`` go together.
    """
    if bool(covers) != bool(stegos):
        raise ValueError("--covers and --stegos go together")
    if bool(latency_table) != (latency_budget is not None):
        raise ValueError("--latency_table and --latency_budget go together")
    if latency_budget is not None and not 0 < latency_budget < 1:
        raise ValueError(
            f"--latency_budget is a fraction of the model's predicted latency, "
            f"in (0, 1); received {latency_budget}"
        )
    table = LatencyModel.load(latency_table) if latency_table else None
    if table is None and rate is None and plan_kwargs.get("select", "rate") == "rate":
        raise ValueError("--rate is required with --select=rate")
    atomic.check_folder(out)
    data = None
    if covers:  # pairs matched now: a split without stegos stops it before work
        data = pairs.pair_dataset(covers, stegos, split, 16, training=False)
    model = models.load(model_path)
    size = tuple(model.input_shape[1:3])
    if None in size and covers:
        size = tuple(Manifest.load(covers).size)
    if table is not None:
        fold = plan_kwargs.pop("fold", True)
        for unused in ("select", "zero_threshold"):
            plan_kwargs.pop(unused, None)
        budget_ms = latency_budget * table.predict(model)
        plan = slimming.budget_plan(model, table, budget_ms, **plan_kwargs)
        slim = slimming.rebuild(model, plan, fold=fold)
    else:
        slim, plan = slimming.slim(
            model, rate or 0.0, input_size=None if None in size else size, **plan_kwargs
        )
    metrics = {"rate": plan.rate, "pruned_fraction": plan.pruned_fraction}
    if table is not None:
        metrics.update(budget_ms=plan.budget_ms, predicted_ms=plan.predicted_ms)
    for key, m in (("before", model), ("after", slim)):
        metrics[f"params_{key}"] = profile.count_params(m)[0]
        if None not in size:
            metrics[f"macs_{key}"] = sum(profile.count_macs(m, size).values())
    if data is not None:
        metrics["accuracy_before"] = evaluate(model, data).accuracy
        metrics["accuracy_after"] = evaluate(slim, data).accuracy
    with atomic.staged_folder(out) as work:  # all three, or (new) none
        plan.save(os.path.join(work, "plan.json"))
        loop.save(slim, os.path.join(work, "pruned.keras"))
        atomic.write_json(os.path.join(work, "metrics.json"), metrics)
    return metrics
