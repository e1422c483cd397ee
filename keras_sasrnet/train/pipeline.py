"""The slimming schedule: baseline -> sparsity -> (prune -> fine-tune) x K.

Work directory layout (every stage resumable, every file written atomically):
  config.json              the resolved config
  baseline/                trained full model (best.keras), history, done.json
  sparse/                  sparsity-trained model, done.json
  round_K/                 plan.json, pruned.keras, finetune/, model.keras,
                           metrics.json, config.json, done.json
  table5.md, table5.json   the paper's Table 5 for this run
A stage with done.json is never redone; a stage without it resumes from its
last checkpoint.
"""

import functools
import json
import os
import shutil
import threading
import time

import keras
import numpy as np

from keras_sasrnet import atomic, fingerprint, models, precision, profile, slimming
from keras_sasrnet.data import demo, embed, pairs
from keras_sasrnet.data.manifest import Manifest
from keras_sasrnet.evaluation import metrics, report
from keras_sasrnet.evaluation.evaluate import evaluate, predict_pairs
from keras_sasrnet.train import loop
from keras_sasrnet.train.config import validate
from keras_sasrnet.train.distribute import make_strategy

DONE = "done.json"
SECONDS = "seconds.json"  # a stage's running time, kept across resumes


def resolve_data(c, log=print):
    """(covers, stegos) folders; demo data are made (once) in the cache."""
    if not c.data.demo:
        return c.data.covers, c.data.stegos
    crop, stride = c.data.demo_crop, c.data.demo_stride or c.data.demo_crop
    cap = c.data.demo_max_per_photo or None
    folder = os.path.join(
        c.data.demo_dir or demo.default_cache(), f"demo_{crop}_{stride}_{cap or 'all'}"
    )
    covers = demo.demo_covers(folder, size=crop, stride=stride, max_per_photo=cap)
    stegos = f"{covers}_{c.data.demo_algorithm}_{c.data.demo_payload}"
    if not os.path.exists(os.path.join(stegos, "manifest.json")):
        log(f"embedding demo stegos ({c.data.demo_algorithm} {c.data.demo_payload})")
        m = embed.embed_dataset(
            covers, stegos, c.data.demo_algorithm, c.data.demo_payload, seed=c.seed
        )
        if m.failed:
            raise ValueError(f"demo embedding failed for {sorted(m.failed)}")
    return covers, stegos


def _quiet(*_):
    """Run reports unpaired covers once itself (``Run._check_pairs``)."""


class Run:
    """Data, strategy and helpers shared by the stages of one run."""

    def __init__(self, config, workdir, log=print):
        self.c = validate(config)
        self.workdir, self.log = workdir, log
        self.precision = config.get("precision", "float32")
        precision.apply(self.precision)
        # Same seed, same run: initial weights, dropout and Keras' own
        # randomness follow config.seed (data order follows it already).
        keras.utils.set_random_seed(config.seed)
        self.strategy = make_strategy(
            config.distribute.strategy, config.distribute.logical_cpus
        )
        self.covers, self.stegos = resolve_data(config, log)
        self._check_pairs(config, workdir, log)
        size = Manifest.load(self.covers).size
        self.size = tuple(size)
        self.batch = config.data.pairs_per_replica * self.strategy.num_replicas_in_sync
        n_train = len(
            pairs.match_pairs(self.covers, self.stegos, "train", log=_quiet)[0]
        )
        self.steps_per_epoch = max(
            1, min(config.train.steps_per_epoch, n_train // self.batch)
        )
        kwargs = dict(
            pairs_per_batch=self.batch,
            training=False,
            in_memory=config.data.in_memory,
            log=_quiet,
        )
        self.val = pairs.pair_dataset(self.covers, self.stegos, "val", **kwargs)
        self.test = pairs.pair_dataset(self.covers, self.stegos, "test", **kwargs)

    def data_fn(self, stage_seed):
        def make(offset):
            return pairs.pair_dataset(
                self.covers,
                self.stegos,
                "train",
                self.batch,
                seed=self.c.seed * 10_000 + stage_seed * 1_000 + offset,
                in_memory=self.c.data.in_memory,
                log=_quiet,
            )

        return make

    def _check_pairs(self, config, workdir, log):
        """Covers without a stego: stop (strict) or leave them out, one line
        per split, their names in ``workdir/unpaired.json``."""
        missing = pairs.unpaired(self.covers, self.stegos)
        if not missing:
            return
        lines = pairs.unpaired_message(self.covers, self.stegos, missing)
        if config.data.strict_pairs:
            raise ValueError(
                "covers without a stego (data.strict_pairs): " + "; ".join(lines)
            )
        for line in lines:
            log(line + " - left out")
        os.makedirs(workdir, exist_ok=True)
        atomic.write_json(os.path.join(workdir, "unpaired.json"), missing)

    def recipe(self, steps, lr, decay_step, optimizer="adamax", momentum=0.9):
        return loop.Recipe(
            steps=steps,
            steps_per_epoch=self.steps_per_epoch,
            lr=lr,
            decay_step=decay_step or None,
            decay=self.c.train.decay,
            optimizer=optimizer,
            momentum=momentum,
        )

    def build(self, sparsity=None):
        m = self.c.model
        model = models.build(
            m.arch,
            m.width_scale,
            input_shape=(*self.size, 1),
            sparsity=sparsity,
            weight_decay=m.weight_decay,
            sync_bn=m.sync_bn,
        )
        if self.precision.startswith("mixed_"):
            model = precision.float32_stem(model)
        return model

    def metadata(self):
        """What a detector needs to know about its input, stored in its file."""
        cover_set = Manifest.load(self.covers)
        stego_set = Manifest.load(self.stegos)
        return {
            "domain": cover_set.domain,
            "input_size": list(self.size),
            "arch": self.c.model.arch,
            "covers": os.path.abspath(self.covers),
            "algorithm": stego_set.info.get("algorithm"),
            "payload": stego_set.info.get("payload"),
            "jpeg_quality": cover_set.info.get("jpeg_quality"),
        }

    def val_accuracy(self, model):
        return evaluate(model, self.val).accuracy

    def measure(self, model, folder, timing=True):
        """Validation and test figures, params, MACs, CPU latency of a model.

        The test scores go to folder/test_scores.npz for the ROC figure.
        ``timing=False`` skips the latency (None), which costs a trace.
        """
        labels, scores = predict_pairs(model, self.test)
        with atomic.replacing(os.path.join(folder, "test_scores.npz"), ".npz") as tmp:
            np.savez(tmp, labels=labels, scores=scores)
        rates = metrics.summary(labels, scores)
        val_accuracy = self.val_accuracy(model)
        trainable, _ = profile.count_params(model)
        side = self.c.report.latency_size
        at = models.io.reinput(model, (side, side))
        return {
            "val_accuracy": val_accuracy,
            "test_accuracy": rates["accuracy"],
            "test_pe": rates["p_e"],
            "p_fa": rates["p_fa"],
            "p_fn": rates["p_fn"],
            "test_min_pe": rates["min_p_e"],
            "test_auc": rates["auc"],
            "params": trainable,
            "macs": sum(profile.count_macs(at, (side, side)).values()),
            "latency_ms": profile.latency(
                at, (side, side), repeats=self.c.report.latency_repeats
            )
            if timing
            else None,
            "latency_size": side,
        }

    def stage(self, name, work):
        """Runs ``work(folder)`` -> metrics unless the stage is done.

        The metrics, with the stage's wall-clock ``seconds``, go to
        folder/done.json; a later call returns them from there.
        """
        folder = os.path.join(self.workdir, name)
        done = os.path.join(folder, DONE)
        if os.path.exists(done):
            with open(done) as f:
                metrics = json.load(f)
            self.log(f"{name}: done already")
            return metrics
        os.makedirs(folder, exist_ok=True)
        self.log(f"== {name}")
        with Stopwatch(os.path.join(folder, SECONDS)) as watch:
            metrics = work(folder)
        metrics["seconds"] = round(watch.total(), 1)
        atomic.write_json(os.path.join(folder, "config.json"), self.c.to_dict())
        atomic.write_json(done, metrics)
        return metrics

    def load(self, path, compile=False):
        with self.strategy.scope():
            return models.load(path, compile=compile)


class Stopwatch:
    """Seconds spent on a stage over all its invocations (a resume adds up).

    The running total is saved to ``path`` every ``every`` seconds by a
    background thread, so a killed invocation loses at most that much.
    """

    def __init__(self, path, every=10.0):
        self.path, self.every = path, every
        self.before = 0.0
        if os.path.exists(path):
            with open(path) as f:
                self.before = float(json.load(f)["seconds"])
        self._stop = threading.Event()

    def total(self):
        return self.before + time.perf_counter() - self.start

    def _save(self):
        atomic.write_json(self.path, {"seconds": round(self.total(), 1)})

    def _tick(self):
        while not self._stop.wait(self.every):
            self._save()

    def __enter__(self):
        self.start = time.perf_counter()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._save()
        return False


def train_stage(
    r,
    build,
    stream,
    steps,
    lr,
    decay_step,
    folder,
    out,
    sub="train",
    keep="best",
    **optimizer,
):
    """Trains ``build()`` in folder/sub and keeps a model as folder/out.

    ``keep="best"`` keeps the epoch best on validation; ``"last"`` the last
    epoch (sparsity training: the best epoch is often an early, less sparse
    one). With ``steps == 0`` the built model is kept as it is.
    ``optimizer``: ``optimizer`` and ``momentum`` of the recipe. Returns the
    kept model, loaded in the run's strategy scope.
    """
    if keep not in ("best", "last"):
        raise ValueError(f"keep must be 'best' or 'last'; received {keep!r}")
    path = os.path.join(folder, out)
    if steps:
        train_dir = os.path.join(folder, sub)
        recipe = r.recipe(steps, lr, decay_step, **optimizer)
        _, state = loop.train(
            build, r.data_fn(stream), r.val, recipe, train_dir, r.strategy, r.log
        )
        last = state.get("checkpoint") or f"epoch_{state['epoch']:04d}.keras"
        kept = "best.keras" if keep == "best" else last
        shutil.copyfile(os.path.join(train_dir, kept), path)
    else:
        with r.strategy.scope():
            loop.save(build(), path)
    models.io.write_metadata(path, r.metadata())
    return r.load(path)


def baseline_stage(r, folder):
    """Trains the config's full model (or takes ``baseline.model``); metrics."""
    c = r.c
    if c.baseline.model:
        build = lambda: models.load(c.baseline.model)  # noqa: E731
        steps = 0
    else:
        build, steps = r.build, c.baseline.steps
    model = train_stage(
        r, build, 1, steps, c.train.lr, c.baseline.decay_step, folder, "best.keras"
    )
    return {"name": "baseline", "rate": 0.0, **r.measure(model, folder)}


def zero_fraction(model, threshold=0.0, aggregate="mean"):
    """Fraction of prunable channels whose group |gamma| score is <= threshold."""
    groups = slimming.find_groups(model)
    scores = slimming.importance.score("gamma", model, groups, aggregate)
    flat = np.concatenate(list(scores.values()))
    return float(np.mean(flat <= threshold))


def _sparse(r, folder):
    c, s = r.c, r.c.sparsity
    start = r.load(os.path.join(r.workdir, "baseline", "best.keras"))
    method = slimming.sparsity.method(s.method)

    def build():
        return slimming.with_sparsity(
            start, s.alpha, s.gamma_init, method=s.method, input_size=r.size
        )

    model = train_stage(
        r,
        build,
        2,
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
        "zero_fraction": zero_fraction(
            model, c.prune.zero_threshold, c.prune.aggregate
        ),
        **r.measure(model, folder, timing=False),  # timed in turns at the end
    }


def _prune_round(r, k, source, total, rate, folder):
    c, p = r.c, r.c.prune
    model = r.load(source)
    with r.strategy.scope():
        slim, plan = slimming.slim(
            model,
            rate,
            aggregate=p.aggregate,
            fold=p.fold,
            min_channels=p.min_channels,
            round_to=p.round_to,
            importance=p.importance,
            select=p.select,
            zero_threshold=p.zero_threshold,
            seed=c.seed,
            input_size=r.size,
        )
    plan.save(os.path.join(folder, "plan.json"))
    pruned_path = os.path.join(folder, "pruned.keras")
    loop.save(slim, pruned_path)
    models.io.write_metadata(pruned_path, r.metadata())
    after_prune = r.val_accuracy(slim)
    if p.select == "zeros":  # the rate is what was removed of what sparsity emptied
        rate = plan.pruned_fraction
        total = 1 - (1 - total) * (1 - rate)
    r.log(
        f"round {k}: {total:.0%} of the channels pruned ({rate:.1%} this round); "
        f"val accuracy right after pruning {after_prune:.4f}"
    )

    def build():
        m = models.load(pruned_path)
        return m if c.finetune.sparsity else slimming.without_sparsity(m)

    tuned = train_stage(
        r,
        build,
        2 + k,
        c.finetune.steps,
        c.finetune.lr,
        c.finetune.decay_step,
        folder,
        "model.keras",
        "finetune",
    )
    return {
        "name": f"SASRNet round {k}",
        "rate": total,
        "round_rate": rate,
        "val_accuracy_pruned": after_prune,
        **r.measure(tuned, folder, timing=False),  # timed in turns at the end
    }


def claim_workdir(config, workdir, overwrite=False):
    """Stops (before any work) if ``workdir`` holds a run of another config.

    ``overwrite`` starts such a folder over instead. The config is recorded
    as ``workdir/config.json``.
    """
    validate(config)
    fingerprint.claim(workdir, config.to_dict(), "a run", overwrite, "config.json")


def run_slimming(config, workdir, log=print, overwrite=False):
    """The whole schedule for ``config`` in ``workdir`` (resumable).

    A rerun resumes; with another config it stops (``overwrite``: starts the
    work directory over).

    Returns:
        The Table 5 rows (list of dicts), also written as table5.md/json.

    Example:
        >>> rows = run_slimming(demo_config, "work/demo")
    """
    claim_workdir(config, workdir, overwrite)
    r = Run(config, workdir, log)
    c = r.c
    base = r.stage("baseline", functools.partial(baseline_stage, r))
    rows = [base, r.stage("sparse", functools.partial(_sparse, r))]
    source = os.path.join(workdir, "sparse", "model.keras")
    paths = [os.path.join(workdir, "baseline", "best.keras"), source]
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
        work = functools.partial(_prune_round, r, k, source, total, rate)
        row = r.stage(f"round_{k}", work)
        done_rate = row["rate"]
        rows.append(row)
        source = os.path.join(workdir, f"round_{k}", "model.keras")
        paths.append(source)
        drop = base["val_accuracy"] - row["val_accuracy"]
        if drop > c.prune.tolerance:
            log(
                f"stopping: validation accuracy {row['val_accuracy']:.4f} is "
                f"{drop:.4f} below the baseline (tolerance {c.prune.tolerance})"
            )
            break
    _time_together(r, rows, paths)
    atomic.write_json(os.path.join(workdir, "table5.json"), rows)
    atomic.write_text(os.path.join(workdir, "table5.md"), table5(rows) + "\n")
    report.write_report(workdir, rows, table5(rows), log)
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


def table5(rows):
    """The paper's Table 5 (accuracy, params, MACs, latency) as Markdown.

    Beside the test figures: validation accuracy, validation accuracy right
    after pruning (before fine-tuning) and, for the sparsity-trained model,
    the fraction of prunable channels whose |gamma| is exactly 0.
    """
    base = rows[0]
    side = base["latency_size"]
    lines = [
        f"| model | pruned | test accuracy | P_E | val accuracy | val right after "
        f"pruning | at zero | params | MACs ({side}x{side}) "
        f"| CPU latency b1 ({side}x{side}) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        pruned = row.get("val_accuracy_pruned")
        zeros = row.get("zero_fraction")
        latency = row.get("latency_ms")
        lines.append(
            f"| {row['name']} | {row['rate']:.0%} | {100 * row['test_accuracy']:.2f} % "
            f"| {row['test_pe']:.4f} | {100 * row['val_accuracy']:.2f} % "
            f"| {'' if pruned is None else f'{100 * pruned:.2f} %'} "
            f"| {'' if zeros is None else f'{100 * zeros:.1f} %'} "
            f"| {row['params']:,} "
            f"({100 * row['params'] / base['params']:.1f} %) "
            f"| {row['macs'] / 1e9:.3f} G ({100 * row['macs'] / base['macs']:.1f} %) "
            f"| {'' if latency is None else f'{latency:.1f} ms'} |"
        )
    return "\n".join(lines)


def train_model(config, workdir, log=print, overwrite=False):
    """Trains the config's full model (the baseline stage) alone.

    Returns its metrics; the model is ``workdir/baseline/best.keras``.
    """
    claim_workdir(config, workdir, overwrite)
    r = Run(config, workdir, log)
    return r.stage("baseline", functools.partial(baseline_stage, r))


def finetune_model(config, model_path, workdir, log=print, overwrite=False):
    """Fine-tunes a (pruned) model with the config's ``finetune`` recipe.

    Returns its metrics; the model is ``workdir/model.keras``.
    """
    if not os.path.isfile(model_path):
        raise FileNotFoundError(f"no model file at {model_path}")
    validate(config)
    settings = {"config": config.to_dict(), "model": os.path.abspath(model_path)}
    fingerprint.claim(workdir, settings, "a fine-tuning", overwrite)
    r = Run(config, workdir, log)
    c = r.c

    def work(folder):
        model = train_stage(
            r,
            lambda: models.load(model_path),
            9,
            c.finetune.steps,
            c.finetune.lr,
            c.finetune.decay_step,
            folder,
            "model.keras",
        )
        shutil.copyfile(
            os.path.join(folder, "model.keras"), os.path.join(workdir, "model.keras")
        )
        return {"name": "fine-tuned", **r.measure(model, folder)}

    return r.stage("finetune", work)


def prune_model(
    model_path,
    out,
    rate,
    covers=None,
    stegos=None,
    split="val",
    **plan_kwargs,
):
    """Plans and rebuilds a model at ``rate``; optionally scores it right away.

    Writes ``out/plan.json``, ``out/pruned.keras`` and ``out/metrics.json``
    (params and MACs before/after; with data, accuracy before and right after
    pruning on ``split``). Returns the metrics.
    """
    model = models.load(model_path)
    size = tuple(model.input_shape[1:3])
    if None in size and covers:
        size = tuple(Manifest.load(covers).size)
    slim, plan = slimming.slim(
        model, rate, input_size=None if None in size else size, **plan_kwargs
    )
    os.makedirs(out, exist_ok=True)
    plan.save(os.path.join(out, "plan.json"))
    loop.save(slim, os.path.join(out, "pruned.keras"))
    metrics = {"rate": plan.rate, "pruned_fraction": plan.pruned_fraction}
    for key, m in (("before", model), ("after", slim)):
        metrics[f"params_{key}"] = profile.count_params(m)[0]
        if None not in size:
            metrics[f"macs_{key}"] = sum(profile.count_macs(m, size).values())
    if covers:
        data = pairs.pair_dataset(covers, stegos, split, 16, training=False)
        metrics["accuracy_before"] = evaluate(model, data).accuracy
        metrics["accuracy_after"] = evaluate(slim, data).accuracy
    atomic.write_json(os.path.join(out, "metrics.json"), metrics)
    return metrics
