"""The performance proof: slimming against the paper and simple baselines.

One shared model is trained first (``pretrained/``, the config's baseline
recipe); every other row starts from it and gets the same further budget,
S = ``sparsity.steps`` then F = ``finetune.steps`` iterations, per seed:

  full               S + F more plain iterations (no sparsity, no pruning)
  gamma / flops      sparsity training (S), one-shot pruning by |gamma| (or
                     |gamma| per MAC), fine-tuning (F)
  gamma-iter / ...   the same, pruned in ``bench.iterative_rounds`` rounds of
                     F / rounds fine-tuning each
  l1 / random        S plain iterations, then L1-norm (Li et al.) or random
                     channel pruning at the params of the |gamma| row, F
  uniform            a uniformly thinner network with the params of the
                     |gamma| row, trained from scratch for P + S + F

Layout of the work directory (every stage resumable through ``done.json``):
  config.json, pretrained/, seed_K/<stage>/, rows.json, BENCHMARKS.md,
  figures/, gpu.json
"""

import dataclasses
import functools
import json
import os
import tempfile
import time

import numpy as np

from benchmarks.harness import baselines
from benchmarks.harness import gpu as gpu_lib
from benchmarks.harness.bench_report import (
    BASELINES,
    RANKINGS,
    aggregate,
    write_markdown,
)
from keras_sasrnet import atomic, models, slimming
from keras_sasrnet.data import demo
from keras_sasrnet.data.manifest import Manifest
from keras_sasrnet.train import loop, run
from keras_sasrnet.train.config import validate

# The importance criterion behind each ranking of the report.
RANKING_SCORER = {"gamma": "gamma", "flops": "gamma_per_mac"}

MODEL = "model.keras"


def check(c):
    """Raises ValueError naming the first impossible ``bench`` value."""
    b = c.bench
    if not b.seeds or len(set(b.seeds)) != len(b.seeds):
        raise ValueError(f"bench.seeds must be distinct and non-empty; got {b.seeds}")
    for rate in b.rates:
        slimming.check_rate(rate)
        if rate == 0:
            raise ValueError("bench.rates must be > 0 (rate 0 is the full row)")
    for name, allowed in (("rankings", RANKINGS), ("baselines", BASELINES)):
        for item in b[name]:
            if item not in allowed:
                raise ValueError(f"bench.{name}: {item!r} is not one of {allowed}")
    if b.iterative_rounds < 0 or b.iterative_rounds == 1:
        raise ValueError(
            "bench.iterative_rounds must be 0 (no iterative rows) or >= 2; "
            f"received {b.iterative_rounds}"
        )
    for rate in b.uniform_rates:
        if rate not in b.rates:
            raise ValueError(f"bench.uniform_rates: {rate} is not in bench.rates")
    if c.finetune.steps and b.iterative_rounds > c.finetune.steps:
        raise ValueError("bench.iterative_rounds exceeds finetune.steps")
    return c


@dataclasses.dataclass
class Bench:
    """The shared pretrained model and one ``run.Run`` per seed."""

    c: object
    workdir: str
    log: object

    def __post_init__(self):
        self.root = run.Run(self.c, self.workdir, self.log)
        self.runs = {}

    def run_for(self, seed):
        if seed not in self.runs:
            c = self.c.copy_and_resolve_references()
            c.seed = seed
            folder = os.path.join(self.workdir, f"seed_{seed}")
            self.runs[seed] = run.Run(c, folder, self.log)
        return self.runs[seed]

    @property
    def pretrained(self):
        return os.path.join(self.workdir, "pretrained", "best.keras")


def _measure(bench, r, model, folder, first_seed):
    """Run.measure; latency (Keras, LiteRT) and .tflite size for the first seed.

    The report takes costs from the first seed's models, so the others skip
    the timing (a trace and a conversion per row).
    """
    m = r.measure(model, folder, timing=first_seed)
    m["weight_bytes"] = sum(w.nbytes for w in model.get_weights())
    if first_seed and bench.c.bench.litert:
        from keras_sasrnet.export import convert, latency

        side = bench.c.report.latency_size
        at = models.io.reinput(model, (side, side))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.tflite")
            m["tflite_bytes"] = convert.export_tflite(at, path, "float32")
            m["litert_ms"] = latency.litert_latency(
                path, (side, side), repeats=bench.c.report.latency_repeats
            )
    return m


def _train(r, build, steps, lr, folder, decay_step=0, **kwargs):
    """Trains ``build()`` into folder/model.keras (the best by validation)."""
    return run.train_stage(
        r, build, steps, lr, decay_step, folder, "model.keras", **kwargs
    )


def _loader(path, sparsity=None, method="l1", input_size=None):
    """A build function: the model at ``path``, optionally with the penalty."""

    def build():
        m = models.load(path)
        if sparsity is None:
            return m
        return slimming.with_sparsity(m, sparsity, method=method, input_size=input_size)

    return build


def _finetune(bench, r, slim, steps, folder, first_seed, extra):
    """Saves a pruned model, fine-tunes it for ``steps``, measures it."""
    pruned = os.path.join(folder, "pruned.keras")
    loop.save(slim, pruned)
    extra = dict(extra, val_accuracy_pruned=r.val_accuracy(slim))
    model = _train(r, _loader(pruned), steps, bench.c.finetune.lr, folder)
    return {**extra, **_measure(bench, r, model, folder, first_seed)}


def _pretrain(bench, folder):
    r, c = bench.root, bench.c
    model = run.train_stage(
        r,
        r.build,
        c.baseline.steps,
        c.train.lr,
        c.baseline.decay_step,
        folder,
        "best.keras",
    )
    return {"stage": "pretrained", **r.measure(model, folder)}


def run_seed(bench, seed, first_seed):
    """Every row of one seed; returns {(method, rate): metrics}."""
    c, b = bench.c, bench.c.bench
    r = bench.run_for(seed)
    S, F = c.sparsity.steps, c.finetune.steps
    at = functools.partial(os.path.join, r.workdir)
    rows = {}

    def dense(folder):
        _train(r, _loader(bench.pretrained), S, c.train.lr, folder)
        return {"stage": "dense"}

    def full(folder):
        model = _train(r, _loader(at("dense", MODEL)), F, c.finetune.lr, folder)
        measured = _measure(bench, r, model, folder, first_seed)
        return {"stage": "full", "rate": 0.0, **measured}

    def sparse(folder):
        s = c.sparsity
        build = _loader(bench.pretrained, s.alpha, s.method, r.size)
        optimizer = slimming.sparsity.method(s.method).optimizer
        _train(
            r,
            build,
            S,
            s.lr or c.train.lr,
            folder,
            optimizer=optimizer,
            momentum=s.momentum,
        )
        return {"stage": "sparse"}

    r.stage("dense", dense)
    rows[("full", 0.0)] = r.stage("full", full)
    r.stage("sparse", sparse)

    for ranking in b.rankings:
        for rate in b.rates:

            def oneshot(folder, ranking=ranking, rate=rate):
                model = models.load(at("sparse", MODEL))
                slim, plan = slimming.slim(
                    model, rate, importance=RANKING_SCORER[ranking], input_size=r.size
                )
                plan.save(os.path.join(folder, "plan.json"))
                extra = {"stage": ranking, "rate": rate}
                return _finetune(bench, r, slim, F, folder, first_seed, extra)

            rows[(ranking, rate)] = r.stage(f"{ranking}_{rate:g}", oneshot)
            if b.iterative_rounds:
                rows[(f"{ranking}-iter", rate)] = _iterative(
                    bench, r, ranking, rate, first_seed
                )

    for criterion in b.baselines:
        for rate in b.rates:
            if criterion == "uniform" and b.uniform_rates:
                if rate not in b.uniform_rates:
                    continue
            target = rows[("gamma", rate)]["params"]
            if criterion == "uniform":
                work = functools.partial(_uniform, bench, r, target, rate, first_seed)
            else:

                def work(folder, criterion=criterion, rate=rate, target=target):
                    model = models.load(at("dense", MODEL))
                    slim, plan = baselines.matched_prune(model, target, criterion, seed)
                    plan.save(os.path.join(folder, "plan.json"))
                    extra = {"stage": criterion, "rate": rate, "target_params": target}
                    return _finetune(bench, r, slim, F, folder, first_seed, extra)

            rows[(criterion, rate)] = r.stage(f"{criterion}_{rate:g}", work)
    return rows


def _iterative(bench, r, ranking, rate, first_seed):
    """Prunes to ``rate`` in rounds, fine-tuning F / rounds after each."""
    rounds, c = bench.c.bench.iterative_rounds, bench.c
    cumulative = slimming.cumulative_rates(rate, rounds)
    steps = c.finetune.steps // rounds
    source = os.path.join(r.workdir, "sparse", MODEL)
    row = None
    for k, (total, step) in enumerate(
        zip(cumulative, slimming.round_rates(cumulative), strict=True), 1
    ):

        def round_k(folder, source=source, step=step, total=total, k=k):
            model = models.load(source)
            slim, plan = slimming.slim(
                model, step, importance=RANKING_SCORER[ranking], input_size=r.size
            )
            plan.save(os.path.join(folder, "plan.json"))
            extra = {"stage": f"{ranking}-iter", "rate": total, "round": k}
            if k == rounds:
                return _finetune(bench, r, slim, steps, folder, first_seed, extra)
            pruned = os.path.join(folder, "pruned.keras")
            loop.save(slim, pruned)
            _train(r, _loader(pruned), steps, c.finetune.lr, folder)
            return extra

        name = os.path.join(f"{ranking}-iter_{rate:g}", f"round_{k}")
        row = r.stage(name, round_k)
        source = os.path.join(r.workdir, name, MODEL)
    return row


def _uniform(bench, r, target, rate, first_seed, folder):
    c = bench.c
    scale, params = baselines.matched_width(
        c.model.arch, target, input_shape=(*r.size, 1)
    )
    steps = c.baseline.steps + c.sparsity.steps + c.finetune.steps

    def build():
        return models.build(
            c.model.arch,
            scale,
            input_shape=(*r.size, 1),
            weight_decay=c.model.weight_decay,
        )

    decay = 0
    if c.baseline.decay_step and c.baseline.steps:
        decay = round(steps * c.baseline.decay_step / c.baseline.steps)
    model = _train(r, build, steps, c.train.lr, folder, decay)
    return {
        "stage": "uniform",
        "rate": rate,
        "width_scale": scale,
        "target_params": target,
        **_measure(bench, r, model, folder, first_seed),
    }


def _folder(bench, method, rate):
    """The stage folder of a row of ``run_seed``."""
    if method == "full":
        return "full"
    name = f"{method}_{rate:g}"
    if method.endswith("-iter"):
        name = os.path.join(name, f"round_{bench.c.bench.iterative_rounds}")
    return name


def per_photo(bench, seed, keys):
    """{(method, rate): {photo: test accuracy}} of one seed; None unless demo.

    The test scores are in manifest order, a cover then its stego.
    """
    if not bench.c.data.demo.use:
        return None
    manifest = Manifest.load(bench.root.covers)
    photos = np.repeat([demo.photo_of(n) for n in manifest.names("test")], 2)
    out = {}
    for method, rate in keys:
        folder = os.path.join(bench.run_for(seed).workdir, _folder(bench, method, rate))
        with np.load(os.path.join(folder, "test_scores.npz")) as saved:
            labels, scores = saved["labels"], saved["scores"]
        if len(labels) != len(photos):
            raise ValueError(
                f"{folder}/test_scores.npz has {len(labels)} scores; the test "
                f"split of {bench.root.covers} has {len(photos)} images"
            )
        right = (scores > 0.5) == (labels == 1)
        out[(method, rate)] = {
            str(p): float(right[photos == p].mean()) for p in np.unique(photos)
        }
    return out


def _stage_seconds(workdir):
    """Summed ``seconds`` of every stage under ``workdir`` (resumed runs too)."""
    total = 0.0
    for folder, _, files in os.walk(workdir):
        if run.DONE in files:
            with open(os.path.join(folder, run.DONE)) as f:
                total += json.load(f).get("seconds", 0.0)
    return total


def run_bench(config, workdir, command="", log=print):
    """The whole benchmark (resumable); returns the aggregated rows."""
    start = time.perf_counter()
    c = check(validate(config))
    os.makedirs(workdir, exist_ok=True)
    atomic.write_json(os.path.join(workdir, "config.json"), c.to_dict())
    bench = Bench(c, workdir, log)
    bench.root.stage("pretrained", functools.partial(_pretrain, bench))
    per_seed = []
    for i, seed in enumerate(c.bench.seeds):
        log(f"=== seed {seed}")
        per_seed.append(run_seed(bench, seed, first_seed=i == 0))
    rows = aggregate(per_seed)
    atomic.write_json(os.path.join(workdir, "rows.json"), rows)
    gpu_path = os.path.join(workdir, "gpu.json")
    if os.path.exists(gpu_path):
        with open(gpu_path) as f:
            gpu = json.load(f)
    else:
        gpu = gpu_lib.gpu_benchmarks() if c.bench.gpu else []
        atomic.write_json(gpu_path, gpu)
    elapsed = {"wall": time.perf_counter() - start, "stages": _stage_seconds(workdir)}
    photos = per_photo(bench, c.bench.seeds[0], list(per_seed[0]))
    text = write_markdown(workdir, rows, command, gpu, elapsed, photos)
    log(text)
    return rows
