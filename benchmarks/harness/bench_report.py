"""The benchmark's report: rows over seeds, tables, verdicts, figures.

Pure functions of the per-seed metrics dicts ``runner.run_seed`` returns,
except ``write_markdown`` and ``figures``, which write files.
"""

import os
import platform
import statistics

from keras_sasrnet import atomic

RANKINGS = ("gamma", "flops")
BASELINES = ("l1", "random", "uniform")
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


PAPER = [
    ("SRNet", 0.0, 96.58, 4_776_000, 5.94e9, 41),
    ("SASRNet", 0.4, 96.67, 259_700, 3.45e9, 38),
    ("SASRNet", 0.6, 96.66, 86_600, 2.97e9, 25),
    ("SASRNet", 0.8, 93.34, 23_900, 0.83e9, 20),
]


def aggregate(per_seed):
    """One row per (method, rate): accuracies and P_E over seeds, costs of seed 1.

    Rows come in (method, rate) order of the first seed.

    ``spread`` is half the range over seeds (so mean +- spread covers them).
    """
    rows = []
    for key in per_seed[0]:
        runs = [seed_rows[key] for seed_rows in per_seed]
        first = runs[0]
        method, rate = key
        row = {"method": method, "label": LABELS[method], "rate": rate}
        for name in (
            "test_accuracy",
            "test_pe",
            "test_min_pe",
            "test_auc",
            "val_accuracy",
        ):
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
        f"| method | pruned | test accuracy | P_E | val accuracy | params "
        f"| MACs ({side}²) | Keras ms | LiteRT ms | .tflite |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lite = "-" if r["litert_ms"] is None else f"{r['litert_ms']:.1f}"
        size = "-" if r["tflite_bytes"] is None else _size(r["tflite_bytes"])
        val = f"{100 * r['val_accuracy']:.2f} ± {100 * r['val_accuracy_spread']:.2f} %"
        lines.append(
            f"| {r['label']} | {r['rate']:.0%} "
            f"| {100 * r['test_accuracy']:.2f} "
            f"± {100 * r['test_accuracy_spread']:.2f} %"
            f" | {r['test_pe']:.4f} ± {r['test_pe_spread']:.4f} | {val} "
            f"| {r['params']:,} ({100 * r['params'] / base['params']:.1f} %) "
            f"| {r['macs'] / 1e9:.3f} G ({100 * r['macs'] / base['macs']:.1f} %) "
            f"| {r['latency_ms']:.1f} | {lite} | {size} |"
        )
    return "\n".join(lines)


def photo_table(rows, per_photo):
    """Markdown: the first seed's test accuracy on each source photo.

    ``per_photo``: {(method, rate): {photo: accuracy}}. A row that is good
    on one photo and at chance on the rest has learnt that photo's content,
    not the embedding.
    """
    photos = sorted({p for accs in per_photo.values() for p in accs})
    lines = [
        "| method | pruned | " + " | ".join(photos) + " |",
        "|---|---|" + "---|" * len(photos),
    ]
    for r in rows:
        accs = per_photo.get((r["method"], r["rate"]))
        if accs is None:
            continue
        cells = " | ".join(
            "-" if p not in accs else f"{100 * accs[p]:.1f} %" for p in photos
        )
        lines.append(f"| {r['label']} | {r['rate']:.0%} | {cells} |")
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


def write_markdown(workdir, rows, command, gpu, elapsed, per_photo=None):
    """Writes workdir/BENCHMARKS.md and its figures; returns the text.

    ``elapsed``: {"wall": seconds of this invocation, "stages": seconds
    summed over every stage, earlier invocations included}. ``per_photo``:
    see ``photo_table`` (demo data only).
    """
    names = figures(rows, os.path.join(workdir, "figures"))
    seeds = len(rows[0]["test_accuracy_seeds"])
    parts = [
        "# Benchmarks: slimming against the paper and simple baselines",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine()}  ",
        f"Time: {elapsed['stages'] / 60:.0f} min summed over the stages; "
        f"{elapsed['wall'] / 60:.0f} min for the invocation that finished it",
        "",
        f"Test accuracy and P_E: mean ± half the range over {seeds} seeds. Params, "
        "MACs, latency and size: the first seed's model. Latency: batch 1 on "
        "this CPU; size: the float32 .tflite file.",
        "",
        table(rows),
        "",
        *(
            [
                "## Test accuracy per source photo (first seed)",
                "",
                photo_table(rows, per_photo),
                "",
            ]
            if per_photo
            else []
        ),
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


def gpu_table(gpu):
    if not gpu:
        return "Skipped: no GPU on this machine."
    lines = ["| setting | GPUs | training images/s |", "|---|---|---|"]
    for g in gpu:
        lines.append(f"| {g['setting']} | {g['devices']} | {g['images_per_s']:.1f} |")
    return "\n".join(lines)
