"""The performance proof: sparsity methods and baselines on two tasks.

Per task of ``bench.tasks`` (``lsbm``, ``hill``; payload ``bench.payload``),
on the photo cover set (``bench.source="photos"``: scikit-image + Debian
photographs, tiles split by photo) or the demo crops (``"demo"``, for tests):

  srnet, xunet       the full models, trained once for baseline.steps and
                     cached under a fingerprint of what shapes them
                     (``bench.cache``); every seed and row starts from them
  per seed K:
  <method>_<rate>    the sparsity method (``bench.methods``: "name:alpha")
                     for sparsity.steps from the full SRNet, pruned at rate,
                     fine-tuned finetune.steps
  l1_/random_<rate>  at the params of the first method's row, or with
                     prune.select="latency" at its latency budget (rates of
                     ``bench.baseline_rates``): pruned from the full SRNet by
                     filter L1 norm or at random, fine-tuned for sparsity +
                     finetune steps (the sparsity rows' budget) or, with
                     ``bench.baseline_budget="own"``, finetune steps
  uniform_<rate>     a uniformly thinner SRNet with those params, trained
                     from scratch for baseline + sparsity + finetune steps
                     (``"own"``: baseline steps, as long as the full model)
  costs              batch-1 Keras and LiteRT float32 and int8 latency of the
                     first seed's models at report.latency_size, all timed in
                     turns after all the training (so it can be rerun on a
                     quiet machine)

Layout: workdir/config.json, workdir/<task>/{stegos, full/, seed_K/<stage>/,
costs/}, tasks.json; the report (summary.json, BENCHMARKS.md,
figures/) goes to --out. Every stage is
resumable (done.json); rerunning the command resumes.
"""

import functools
import hashlib
import json
import os
import time

import numpy as np

from benchmarks.harness import baselines
from benchmarks.harness.budgets import extra_steps, uniform_steps
from keras_sasrnet import atomic, models, slimming
from keras_sasrnet.data import demo, embed, pairs, photos
from keras_sasrnet.data.manifest import Manifest
from keras_sasrnet.train import loop, run, stages
from keras_sasrnet.train.config import validate

TASKS = {"lsbm": "lsbm", "hill": "hill"}  # task name -> conseal algorithm
BASELINES = ("l1", "random", "uniform")
BUDGETS = ("matched", "own")
SOURCES = ("photos", "demo")
MODEL = "model.keras"


def parse_method(text):
    """ "gprox_cost:1e-2" -> ("gprox_cost", 0.01), checked."""
    name, sep, alpha = text.partition(":")
    if not sep or name not in slimming.sparsity.METHODS:
        raise ValueError(
            f"bench.methods: {text!r} is not 'method:alpha' with a method of "
            f"{sorted(slimming.sparsity.METHODS)}"
        )
    try:
        value = float(alpha)
    except ValueError:
        raise ValueError(f"bench.methods: alpha of {text!r} is not a number") from None
    if not value > 0:
        raise ValueError(f"bench.methods: alpha of {text!r} must be > 0")
    return name, value


def check(c):
    """Raises ValueError naming the first impossible ``bench`` value."""
    b = c.bench
    if not b.seeds or len(set(b.seeds)) != len(b.seeds):
        raise ValueError(f"bench.seeds must be distinct and non-empty; got {b.seeds}")
    if not b.tasks or any(t not in TASKS for t in b.tasks):
        raise ValueError(f"bench.tasks must be some of {sorted(TASKS)}; got {b.tasks}")
    if b.source not in SOURCES:
        raise ValueError(f"bench.source must be one of {SOURCES}; got {b.source!r}")
    if not b.methods:
        raise ValueError("bench.methods is empty: give at least one 'method:alpha'")
    for text in b.methods:
        parse_method(text)
    for rate in (*b.rates, *b.baseline_rates):
        slimming.check_rate(rate)
        if rate == 0:
            raise ValueError("bench rates must be > 0 (rate 0 is the full row)")
    for rate in b.baseline_rates:
        if rate not in b.rates:
            raise ValueError(f"bench.baseline_rates: {rate} is not in bench.rates")
    for item in b.baselines:
        if item not in BASELINES:
            raise ValueError(f"bench.baselines: {item!r} is not one of {BASELINES}")
    if b.baseline_budget not in BUDGETS:
        raise ValueError(
            f"bench.baseline_budget must be one of {BUDGETS}; got {b.baseline_budget!r}"
        )
    if b.photo_side < b.photo_size:
        raise ValueError(
            f"bench.photo_side ({b.photo_side}) must be at least the tile side "
            f"bench.photo_size ({b.photo_size})"
        )
    if not 0 < b.payload <= 1:
        raise ValueError(f"bench.payload must be in (0, 1] bpp; got {b.payload}")
    return c


def covers(c, log=print):
    """The cover set of the benchmark (made once, in the cache)."""
    b = c.bench
    if b.source == "demo":
        d = c.data.demo
        return demo.demo_covers(
            os.path.join(b.data_dir, f"demo_{d.crop}_{d.stride}"),
            d.crop,
            d.stride or None,
            max_per_photo=d.max_per_photo or None,
        )
    size, stride = b.photo_size, b.photo_stride or b.photo_size
    name = f"photos{size}" if stride == size else f"photos{size}_{stride}"
    if b.photo_side != 512:
        name += f"_side{b.photo_side}"
    folder = os.path.join(b.data_dir, name)
    photos.photo_covers(
        folder,
        size=size,
        stride=stride,
        side=b.photo_side,
        split=(None, 5, 10),
        log=log,
    )
    return folder


def task_config(c, task, cover_dir, log=print):
    """The run config of one task: its covers and (once) its stegos."""
    stegos = os.path.join(
        os.path.dirname(cover_dir) or ".",
        f"{os.path.basename(cover_dir)}_{TASKS[task]}_{c.bench.payload:g}",
    )
    embed.embed_dataset(cover_dir, stegos, TASKS[task], c.bench.payload, seed=0)
    t = c.copy_and_resolve_references()
    t.data.demo.use = False
    t.data.covers, t.data.stegos = cover_dir, stegos
    return validate(t)


def fingerprint(c, arch):
    """What shapes a full model: data, architecture, recipe (not the bench)."""
    keys = {
        "covers": Manifest.load(c.data.covers).info,
        "cover_files": len(Manifest.load(c.data.covers).names()),
        "stegos": Manifest.load(c.data.stegos).info,
        "model": {**c.model.to_dict(), "arch": arch},
        "baseline": c.baseline.to_dict(),
        "train": c.train.to_dict(),
        "pairs": c.data.pairs_per_replica,
        "seed": c.seed,
        "precision": c.get("precision"),
    }
    text = json.dumps(keys, sort_keys=True, default=str)
    return f"{arch}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def model_config(c, arch):
    m = c.copy_and_resolve_references()
    m.model.arch = arch
    if arch != "srnet":  # srnet's own arguments
        kept = {k: v for k, v in m.model.to_dict().items() if k != "stem_init"}
        with m.unlocked():
            m.model = kept
    return m


def full_model(c, arch, log=print):
    """(folder, metrics) of the cached full model of ``arch`` for this task."""
    m = model_config(c, arch)
    folder = os.path.join(c.bench.cache, fingerprint(m, arch))
    r = run.Run(m, folder, log)

    def work(stage):
        model = run.train_stage(
            r,
            r.build,
            m.baseline.steps,
            m.train.lr,
            m.baseline.decay_step,
            stage,
            "best.keras",
        )
        measured = r.measure(model, stage, timing=False)
        return {"arch": arch, "every": r.steps_per_epoch, **measured}

    metrics = dict(r.stage("full", work), folder=os.path.join(folder, "full"))
    return metrics["folder"], metrics


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
    rows = {}
    first = None
    # prune.select="latency": a rate is the cut of the full model's predicted
    # latency; the baselines are matched to that budget, not to params
    table = stages.latency_table(c) if c.prune.select == "latency" else None
    full_ms = table.predict(models.load(pretrained)) if table else None
    for text in c.bench.methods:
        method, alpha = parse_method(text)

        def sparse(folder, method=method, alpha=alpha, text=text):
            sp = c.sparsity
            if sp.adaptive:  # alpha is the guard's first rung
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

        name = text.replace(":", "_")
        r.stage(f"sparse_{name}", sparse)
        for rate in c.bench.rates:

            def prune(folder, name=name, rate=rate, text=text):
                model = models.load(os.path.join(r.workdir, f"sparse_{name}", MODEL))
                budget = table and (1 - rate) * full_ms
                slim, plan = stages.slim_as_configured(model, rate, r.c, r.size, budget)
                plan.save(os.path.join(folder, "plan.json"))
                extra = {"stage": text, "rate": rate}
                if table:
                    extra.update(budget_ms=budget, predicted_ms=plan.predicted_ms)
                return _finetune(r, slim, folder, extra)

            rows[(text, rate)] = r.stage(f"{name}_{rate:g}", prune)
        first = first or text
    size = baselines.latency_size(table) if table else baselines.params_size
    unit = "target_ms" if table else "target_params"
    for rate in c.bench.baseline_rates:
        target = (1 - rate) * full_ms if table else rows[(first, rate)]["params"]
        for criterion in c.bench.baselines:
            if criterion == "uniform":
                work = functools.partial(_uniform, c, r, target, rate, size, unit)
            else:

                def work(folder, criterion=criterion, rate=rate, target=target):
                    model = models.load(pretrained)
                    slim, plan = baselines.matched_prune(
                        model, target, criterion, seed, size
                    )
                    plan.save(os.path.join(folder, "plan.json"))
                    extra = {"stage": criterion, "rate": rate, unit: target}
                    if table:
                        extra["predicted_ms"] = table.predict(slim)
                    return _finetune(r, slim, folder, extra, extra_steps(c))

            rows[(criterion, rate)] = r.stage(f"{criterion}_{rate:g}", work)
    if c.bench.get("int8", False):
        for key in rows:
            row_dir = os.path.join(r.workdir, stage_folder(*key))
            work = functools.partial(_int8, r, row_dir)
            rows[key] = {**rows[key], **r.stage(f"int8_{stage_folder(*key)}", work)}
    return rows


def _guarded(r, folder, pretrained, method, alpha):
    """The sparsity guard (``train.guard``) from the full SRNet: its ladder.

    The reference is the full model's validation level (its training's last
    quarter of epochs); the kept model is folder/model.keras."""
    from keras_sasrnet.train import guard

    c = r.c.copy_and_resolve_references()
    c.sparsity.method, c.sparsity.alpha = method, alpha
    table = stages.latency_table(c)
    full_dir = os.path.dirname(pretrained)
    with open(os.path.join(full_dir, run.DONE)) as f:
        best = json.load(f)["val_accuracy"]
    level = guard.reference(os.path.join(full_dir, "train"), best)

    def build(path, a, first):
        return _loader(path, a, method, r.size, table)()

    def zeros(model):
        return stages.zero_fraction(model, c.prune.zero_threshold, c.prune.aggregate)

    seed_config, r.c = r.c, c  # the guard reads this method's recipe from r.c
    try:
        _, path = guard.guarded_sparsity(r, folder, pretrained, level, zeros, build)
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


def stage_folder(method, rate):
    """The stage folder (under seed_K) of a row of ``run_seed``."""
    return f"{method.replace(':', '_')}_{rate:g}"


def costs(c, task_dir, paths, log=print):
    """{row key: latency figures} of the models at ``paths`` ({key: .keras}).

    Per row, a stage under task_dir/costs/<name> (rerun a row by deleting
    its folder): the model at report.latency_size, with bench.litert its
    float32 and int8 ``.tflite`` (float stem; calibrated on random images:
    for timing, the work does not depend on the values) and their sizes.
    Then every row is timed in turns in one process, full SRNet and XuNet
    among them, so that the ratios hold on a busy machine: batch-1 Keras
    (``latency_ms``) and LiteRT float32 and int8 (``litert_ms``,
    ``litert_int8_ms``), median of at least 21 calls each. The timings are
    kept in task_dir/costs/timings.json for the same rows (delete it to
    time again).
    """
    from keras_sasrnet import profile
    from keras_sasrnet.export import convert, latency

    side = c.report.latency_size
    size = (side, side)
    out, folders = {}, {}
    for key, path in paths.items():
        name = "full" if key[0] == "full" else stage_folder(*key)
        name = name if key[0] != "xunet" else "xunet"
        folder = folders[key] = os.path.join(task_dir, "costs", name)
        done = os.path.join(folder, run.DONE)
        if not os.path.exists(done):
            log(f"== costs of {name}")
            start = time.perf_counter()
            at = models.io.reinput(models.load(path), size)
            m = {
                "latency_size": side,
                "weight_bytes": int(sum(w.nbytes for w in at.get_weights())),
            }
            if c.bench.litert:
                rng = np.random.default_rng(0)
                images = rng.uniform(0, 255, (8, *size, 1)).astype(np.float32)
                for mode in ("float32", "int8"):
                    lite = os.path.join(folder, f"model_{mode}.tflite")
                    m[f"tflite_{mode}_bytes"] = convert.export_tflite(
                        at, lite, mode, size, images
                    )
            m["seconds"] = round(time.perf_counter() - start, 1)  # stage time
            os.makedirs(folder, exist_ok=True)
            atomic.write_json(done, m)
        with open(done) as f:
            out[key] = json.load(f)
    timings = os.path.join(task_dir, "costs", "timings.json")
    names = [os.path.basename(folders[k]) for k in paths]
    saved = {}
    if os.path.exists(timings):
        with open(timings) as f:
            saved = json.load(f)
    if saved.get("rows") != names:
        log(f"== timing {len(names)} models in turns")
        repeats = max(21, c.report.latency_repeats)
        keras_models = [models.io.reinput(models.load(paths[k]), size) for k in paths]
        saved = {
            "rows": names,
            "latency_ms": profile.latencies(keras_models, size, repeats=repeats),
        }
        if c.bench.litert:
            for mode, field in (("float32", "litert_ms"), ("int8", "litert_int8_ms")):
                files = [
                    os.path.join(folders[k], f"model_{mode}.tflite") for k in paths
                ]
                saved[field] = latency.file_latencies(files, size, rounds=repeats)
        atomic.write_json(timings, saved)
    for k, key in enumerate(paths):
        for field in ("latency_ms", "litert_ms", "litert_int8_ms"):
            if field in saved:
                out[key][field] = saved[field][k]
    return out


def per_photo(covers_dir, stegos_dir, folders):
    """{key: {photo: test accuracy}} from each folder's test_scores.npz.

    The test scores are in pair order, a cover then its stego; a file's
    photo is its manifest group (the photo set) or its demo photo name.
    """
    groups = {f["name"]: f.get("group") for f in Manifest.load(covers_dir).files}
    paths = pairs.match_pairs(covers_dir, stegos_dir, "test", log=lambda *_: None)[0]
    names = [os.path.basename(p) for p in paths]
    photos_ = np.repeat([groups[n] or demo.photo_of(n) for n in names], 2)
    out = {}
    for key, folder in folders.items():
        with np.load(os.path.join(folder, "test_scores.npz")) as saved:
            labels, scores = saved["labels"], saved["scores"]
        if len(labels) != len(photos_):
            raise ValueError(
                f"{folder}/test_scores.npz has {len(labels)} scores; the test "
                f"split of {covers_dir} has {len(photos_)} images"
            )
        right = (scores > 0.5) == (labels == 1)
        out[key] = {
            str(p): float(right[photos_ == p].mean()) for p in np.unique(photos_)
        }
    return out


def run_task(c, task, cover_dir, workdir, log=print):
    """Trains and measures every row of one task; its report dict."""
    t = task_config(c, task, cover_dir, log)
    task_dir = os.path.join(workdir, task)
    srnet_dir, srnet = full_model(t, "srnet", log)
    xunet_dir, xunet = full_model(t, "xunet", log)
    pretrained = os.path.join(srnet_dir, "best.keras")
    per_seed = []
    for seed in c.bench.seeds:
        log(f"=== {task}, seed {seed}")
        per_seed.append(run_seed(t, task_dir, pretrained, seed, log))
    seed_dir = os.path.join(task_dir, f"seed_{c.bench.seeds[0]}")
    folders = {("full", 0.0): srnet_dir, ("xunet", 0.0): xunet_dir}
    folders.update({k: os.path.join(seed_dir, stage_folder(*k)) for k in per_seed[0]})
    paths = {
        k: os.path.join(f, "best.keras" if k[0] in ("full", "xunet") else MODEL)
        for k, f in folders.items()
    }
    return {
        "task": task,
        "seeds": list(c.bench.seeds),
        "covers": t.data.covers,
        "stegos": t.data.stegos,
        "full": {"srnet": srnet, "xunet": xunet},
        "curves": {
            "srnet": _curve(os.path.join(srnet_dir, "train"), srnet["every"]),
            "xunet": _curve(os.path.join(xunet_dir, "train"), xunet["every"]),
        },
        "per_seed": per_seed,
        "costs": costs(t, task_dir, paths, log),
        "photos": per_photo(t.data.covers, t.data.stegos, folders),
        "test_photos": len(set(_test_groups(t.data.covers))),
    }


def _curve(train_dir, every):
    """[(iteration, validation accuracy)] after each epoch of a training."""
    import csv

    with open(os.path.join(train_dir, "history.csv")) as f:
        rows = list(csv.DictReader(f))
    return [((k + 1) * every, float(r["val_accuracy"])) for k, r in enumerate(rows)]


def _test_groups(covers_dir):
    return [
        f.get("group") or demo.photo_of(f["name"])
        for f in Manifest.load(covers_dir).files
        if f.get("split") == "test"
    ]


def stage_minutes(workdir, extra=()):
    """Minutes summed over every stage under ``workdir`` and ``extra``."""
    total = 0.0
    for top in (workdir, *extra):
        for folder, _, files in os.walk(top):
            if run.DONE in files:
                with open(os.path.join(folder, run.DONE)) as f:
                    total += json.load(f).get("seconds", 0.0)
    return total / 60


def run_bench(config, workdir, command="", log=print, out=None):
    """The whole benchmark (resumable); returns the task dicts.

    The report (BENCHMARKS.md, summary.json, config.json, figures/) goes
    to ``out`` (default: the work folder)."""
    from benchmarks.harness import bench_report

    c = config.copy_and_resolve_references()
    probe = c.copy_and_resolve_references()
    probe.data.demo.use = True  # each task's data are checked when made
    check(validate(probe))
    for key in ("data_dir", "cache"):
        c.bench[key] = c.bench[key] or os.path.join(demo.default_cache(), "bench")
    os.makedirs(workdir, exist_ok=True)
    atomic.write_json(os.path.join(workdir, "config.json"), c.to_dict())
    cover_dir = covers(c, log)
    tasks = [run_task(c, task, cover_dir, workdir, log) for task in c.bench.tasks]
    atomic.write_json(
        os.path.join(workdir, "tasks.json"),
        [
            {
                **t,
                "per_seed": [_listed(s) for s in t["per_seed"]],
                "costs": _listed(t["costs"]),
                "photos": _listed(t["photos"]),
            }
            for t in tasks
        ],
    )
    full = {
        os.path.dirname(t["full"][a]["folder"])
        for t in tasks
        for a in ("srnet", "xunet")
    }
    minutes = stage_minutes(workdir, sorted(full))
    out = out or workdir
    os.makedirs(out, exist_ok=True)
    atomic.write_json(os.path.join(out, "config.json"), c.to_dict())
    text = bench_report.write(out, tasks, command, minutes, c)
    log(text)
    return tasks


def _listed(d):
    """{(method, rate): v} -> [{"method", "rate", "value"}] for JSON."""
    return [{"method": k[0], "rate": k[1], "value": v} for k, v in d.items()]
