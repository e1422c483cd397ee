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
import platform
import statistics
import tempfile
import time

import numpy as np

from keras_sasrnet import atomic, models, slimming
from keras_sasrnet.slimming import baselines
from keras_sasrnet.train import pipeline

RANKINGS = ("gamma", "flops")
BASELINES = ("l1", "random", "uniform")
MODEL = "model.keras"
LABELS = {
    "full": "SRNet, no slimming",
    "gamma": "SASRNet one-shot, |gamma|",
    "flops": "SASRNet one-shot, FLOPs-aware",
    "gamma-iter": "SASRNet iterative, |gamma|",
    "flops-iter": "SASRNet iterative, FLOPs-aware",
    "l1": "L1-norm filter pruning",
    "random": "random channel pruning",
    "uniform": "uniformly thinner, from scratch",
}


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
    """The shared pretrained model and one ``pipeline.Run`` per seed."""

    c: object
    workdir: str
    log: object

    def __post_init__(self):
        self.root = pipeline.Run(self.c, self.workdir, self.log)
        self.runs = {}

    def run_for(self, seed):
        if seed not in self.runs:
            c = self.c.copy_and_resolve_references()
            c.seed = seed
            folder = os.path.join(self.workdir, f"seed_{seed}")
            self.runs[seed] = pipeline.Run(c, folder, self.log)
        return self.runs[seed]

    @property
    def pretrained(self):
        return os.path.join(self.workdir, "pretrained", "best.keras")


def _measure(bench, r, model, folder, first_seed):
    """Run.measure plus, for the first seed, LiteRT float latency and size."""
    m = r.measure(model, folder)
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


def _train(r, build, stream, steps, lr, folder, decay_step=0):
    """Trains ``build()`` into folder/model.keras (the best by validation)."""
    return pipeline._train_into(
        r, build, stream, steps, lr, decay_step, folder, "model.keras"
    )


def _loader(path, sparsity=None):
    """A build function: the model at ``path``, optionally with the penalty."""

    def build():
        m = models.load(path)
        return m if sparsity is None else slimming.with_sparsity(m, sparsity)

    return build


def _finetune(bench, r, slim, steps, stream, folder, first_seed, extra):
    """Saves a pruned model, fine-tunes it for ``steps``, measures it."""
    pruned = os.path.join(folder, "pruned.keras")
    pipeline.loop.save(slim, pruned)
    extra = dict(extra, val_accuracy_pruned=r.val_accuracy(slim))
    model = _train(r, _loader(pruned), stream, steps, bench.c.finetune.lr, folder)
    return {**extra, **_measure(bench, r, model, folder, first_seed)}


def _pretrain(bench, folder):
    r, c = bench.root, bench.c
    model = pipeline._train_into(
        r,
        r.build,
        1,
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
        _train(r, _loader(bench.pretrained), 1, S, c.train.lr, folder)
        return {"stage": "dense"}

    def full(folder):
        model = _train(r, _loader(at("dense", MODEL)), 2, F, c.finetune.lr, folder)
        measured = _measure(bench, r, model, folder, first_seed)
        return {"stage": "full", "rate": 0.0, **measured}

    def sparse(folder):
        build = _loader(bench.pretrained, c.sparsity.alpha)
        _train(r, build, 3, S, c.train.lr, folder)
        return {"stage": "sparse"}

    r.stage("dense", dense)
    rows[("full", 0.0)] = r.stage("full", full)
    r.stage("sparse", sparse)

    for ranking in b.rankings:
        for rate in b.rates:

            def oneshot(folder, ranking=ranking, rate=rate):
                model = models.load(at("sparse", MODEL))
                slim, plan = slimming.slim(
                    model, rate, flops_aware=ranking == "flops", input_size=r.size
                )
                plan.save(os.path.join(folder, "plan.json"))
                extra = {"stage": ranking, "rate": rate}
                return _finetune(bench, r, slim, F, 4, folder, first_seed, extra)

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
                    return _finetune(bench, r, slim, F, 5, folder, first_seed, extra)

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
                model, step, flops_aware=ranking == "flops", input_size=r.size
            )
            plan.save(os.path.join(folder, "plan.json"))
            extra = {"stage": f"{ranking}-iter", "rate": total, "round": k}
            if k == rounds:
                return _finetune(
                    bench, r, slim, steps, 5 + k, folder, first_seed, extra
                )
            pruned = os.path.join(folder, "pruned.keras")
            pipeline.loop.save(slim, pruned)
            _train(r, _loader(pruned), 5 + k, steps, c.finetune.lr, folder)
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
    model = _train(r, build, 4, steps, c.train.lr, folder, decay)
    return {
        "stage": "uniform",
        "rate": rate,
        "width_scale": scale,
        "target_params": target,
        **_measure(bench, r, model, folder, first_seed),
    }


# The paper's Table 5 (UERD 0.4 bpnzAC, QF75, BOSSbase 256x256, 500k iterations).
PAPER = [
    ("SRNet", 0.0, 96.58, 4_776_000, 5.94e9, 41),
    ("SASRNet", 0.4, 96.67, 259_700, 3.45e9, 38),
    ("SASRNet", 0.6, 96.66, 86_600, 2.97e9, 25),
    ("SASRNet", 0.8, 93.34, 23_900, 0.83e9, 20),
]


def aggregate(per_seed):
    """One row per (method, rate): accuracy and P_E over seeds, costs of seed 1.

    Rows come in (method, rate) order of the first seed.

    ``spread`` is half the range over seeds (so mean +- spread covers them).
    """
    rows = []
    for key in per_seed[0]:
        runs = [seed_rows[key] for seed_rows in per_seed]
        first = runs[0]
        method, rate = key
        row = {"method": method, "label": LABELS[method], "rate": rate}
        for name in ("test_accuracy", "test_pe", "test_min_pe", "test_auc"):
            values = [run[name] for run in runs]
            row[name] = statistics.fmean(values)
            row[f"{name}_spread"] = (max(values) - min(values)) / 2
            row[f"{name}_seeds"] = values
        row["params"] = round(statistics.fmean(run["params"] for run in runs))
        row["macs"] = round(statistics.fmean(run["macs"] for run in runs))
        for name in ("latency_ms", "litert_ms", "tflite_bytes", "weight_bytes"):
            row[name] = first.get(name)
        row["latency_size"] = first["latency_size"]
        rows.append(row)
    return rows


def table(rows):
    """The benchmark table as Markdown (the first row is the 100 % reference)."""
    base = rows[0]
    side = base["latency_size"]
    lines = [
        f"| method | pruned | test accuracy | P_E | params | MACs ({side}²) "
        f"| Keras ms | LiteRT ms | .tflite |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lite = "-" if r["litert_ms"] is None else f"{r['litert_ms']:.1f}"
        size = "-" if r["tflite_bytes"] is None else _size(r["tflite_bytes"])
        lines.append(
            f"| {r['label']} | {r['rate']:.0%} "
            f"| {100 * r['test_accuracy']:.2f} "
            f"± {100 * r['test_accuracy_spread']:.2f} %"
            f" | {r['test_pe']:.4f} ± {r['test_pe_spread']:.4f} "
            f"| {r['params']:,} ({100 * r['params'] / base['params']:.1f} %) "
            f"| {r['macs'] / 1e9:.3f} G ({100 * r['macs'] / base['macs']:.1f} %) "
            f"| {r['latency_ms']:.1f} | {lite} | {size} |"
        )
    return "\n".join(lines)


def _size(n):
    return f"{n / (1 << 20):.2f} MiB" if n >= 1 << 20 else f"{n / 1024:.1f} KiB"


def paper_table(rows):
    """Ours next to the paper's Table 5, for the |gamma| one-shot rows."""
    ours = {0.0: rows[0]}
    ours.update({r["rate"]: r for r in rows if r["method"] == "gamma"})
    base = rows[0]
    lines = [
        "| model | pruned | paper accuracy | ours | paper params | ours "
        "| paper MACs | ours | paper test time | ours LiteRT b1 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rate, acc, params, macs, seconds in PAPER:
        r = ours.get(rate)
        if r is None:
            continue
        lite = "-" if r["litert_ms"] is None else f"{r['litert_ms']:.1f} ms"
        lines.append(
            f"| {name} | {rate:.0%} | {acc:.2f} % | {100 * r['test_accuracy']:.2f} % "
            f"| {params / 4_776_000:.1%} | {r['params'] / base['params']:.1%} "
            f"| {macs / 5.94e9:.0%} | {r['macs'] / base['macs']:.0%} "
            f"| {seconds} s ({seconds / 41:.0%}) | {lite} |"
        )
    return "\n".join(lines)


def verdicts(rows):
    """Plain sentences: slimming against the full model and every baseline."""
    base = rows[0]
    by = {(r["method"], r["rate"]): r for r in rows}
    out = []
    for r in rows:
        if r["method"] != "gamma":
            continue
        rate = r["rate"]
        delta = 100 * (r["test_accuracy"] - base["test_accuracy"])
        speed = (
            f", LiteRT {base['litert_ms'] / r['litert_ms']:.2f}x faster "
            f"(the MACs allow {base['macs'] / r['macs']:.2f}x)"
            if r["litert_ms"] and base["litert_ms"]
            else ""
        )
        out.append(
            f"- {rate:.0%} (|gamma| one-shot): {delta:+.2f} pp against the full "
            f"model with {r['params'] / base['params']:.1%} of the params and "
            f"{r['macs'] / base['macs']:.1%} of the MACs{speed}."
        )
        for method in BASELINES:
            other = by.get((method, rate))
            if other is None:
                continue
            d = 100 * (r["test_accuracy"] - other["test_accuracy"])
            noise = r["test_accuracy_spread"] + other["test_accuracy_spread"]
            word = "beats" if d > 0 else ("ties" if d == 0 else "trails")
            if abs(d) <= 100 * noise:
                word += " (within the seed spread)"
            out.append(
                f"  - {word} {LABELS[method]} ({100 * other['test_accuracy']:.2f} %,"
                f" {other['params']:,} params): {d:+.2f} pp"
            )
    return "\n".join(out)


def figures(rows, folder):
    """accuracy_vs_params.png and accuracy_vs_latency.png; returns their names."""
    from keras_sasrnet.evaluation import plots

    names = ["accuracy_vs_params.png"]
    plots.methods_scatter(rows, "params", os.path.join(folder, names[0]))
    if all(r["litert_ms"] for r in rows):
        names.append("accuracy_vs_latency.png")
        plots.methods_scatter(rows, "litert_ms", os.path.join(folder, names[1]))
    return names


def machine():
    """One line about where the figures were measured."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"{len(gpus)} GPU(s), Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}"
    )


def write_markdown(workdir, rows, command, gpu, elapsed_s):
    names = figures(rows, os.path.join(workdir, "figures"))
    seeds = len(rows[0]["test_accuracy_seeds"])
    parts = [
        "# Benchmarks: slimming against the paper and simple baselines",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine()}  ",
        f"Wall time: {elapsed_s / 60:.0f} min (of the invocation that finished it)",
        "",
        f"Test accuracy and P_E: mean ± half the range over {seeds} seeds. Params, "
        "MACs, latency and size: the first seed's model. Latency: batch 1 on "
        "this CPU; size: the float32 .tflite file.",
        "",
        table(rows),
        "",
        "## Against the paper's Table 5",
        "",
        paper_table(rows),
        "",
        "## Verdicts",
        "",
        verdicts(rows),
        "",
        *[f"![{n}](figures/{n})" for n in names],
        "",
        "## GPU",
        "",
        gpu_table(gpu),
        "",
    ]
    text = "\n".join(parts)
    atomic.write_text(os.path.join(workdir, "BENCHMARKS.md"), text)
    return text


def gpu_benchmarks(size=256, pairs_per_gpu=16, steps=10, width_scale=1.0, devices=None):
    """Training images/s of SRNet on GPUs: precision x XLA, then mirrored.

    Returns a list of {"setting", "devices", "images_per_s"}, or [] without a
    GPU. ``devices`` (default: the local GPUs) lets a test run it on CPU.
    """
    import keras
    import tensorflow as tf

    if devices is None:
        devices = [
            f"/gpu:{i}" for i in range(len(tf.config.list_physical_devices("GPU")))
        ]
    if not devices:
        return []
    results = []
    settings = [
        ("float32", False),
        ("float32 + XLA", True),
        ("mixed float16", False),
        ("mixed float16 + XLA", True),
    ]
    for name, xla in settings:
        policy = "mixed_float16" if "mixed" in name else "float32"
        keras.mixed_precision.set_global_policy(policy)
        try:
            with tf.device(devices[0]):
                rate = _train_rate(size, pairs_per_gpu, steps, width_scale, xla)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        results.append({"setting": name, "devices": 1, "images_per_s": rate})
    if len(devices) > 1:
        strategy = tf.distribute.MirroredStrategy(devices)
        with strategy.scope():
            rate = _train_rate(
                size, pairs_per_gpu * len(devices), steps, width_scale, False
            )
        results.append(
            {
                "setting": "float32 mirrored",
                "devices": len(devices),
                "images_per_s": rate,
            }
        )
    return results


def _train_rate(size, pairs, steps, width_scale, xla):
    """Images/s of ``steps`` SRNet training steps on random data after warm-up."""
    import keras

    model = models.build("srnet", width_scale, input_shape=(size, size, 1))
    model.compile(
        keras.optimizers.Adamax(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=xla,
    )
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (2 * pairs, size, size, 1)).astype("float32")
    y = np.tile([0, 1], pairs)
    model.fit(x, y, batch_size=2 * pairs, epochs=1, verbose=0)  # trace, warm up
    start = time.perf_counter()
    model.fit(x, y, batch_size=2 * pairs, epochs=steps, verbose=0)
    return steps * 2 * pairs / (time.perf_counter() - start)


def gpu_table(gpu):
    if not gpu:
        return "Skipped: no GPU on this machine."
    lines = ["| setting | GPUs | training images/s |", "|---|---|---|"]
    for g in gpu:
        lines.append(f"| {g['setting']} | {g['devices']} | {g['images_per_s']:.1f} |")
    return "\n".join(lines)


def run_bench(config, workdir, command="", log=print):
    """The whole benchmark (resumable); returns the aggregated rows."""
    start = time.perf_counter()
    c = check(pipeline.validate(config))
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
        gpu = gpu_benchmarks() if c.bench.gpu else []
        atomic.write_json(gpu_path, gpu)
    text = write_markdown(workdir, rows, command, gpu, time.perf_counter() - start)
    log(text)
    return rows
