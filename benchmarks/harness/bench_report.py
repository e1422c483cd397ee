"""The benchmark's report: rows over seeds, tables, targets, figures.

Pure functions of the task dicts ``runner.run_task`` returns, except
``write`` and ``curves_figure``, which write files.
"""

import os
import platform
import statistics

from benchmarks.harness import latency_report
from benchmarks.harness.budgets import extra_steps, uniform_steps
from benchmarks.harness.latency_report import below, where
from keras_sasrnet import atomic, markdown
from keras_sasrnet.slimming import sparsity

BASELINE_LABELS = {
    "full": "SRNet, no slimming",
    "xunet": "XuNet, no slimming",
    "l1": "L1-norm filter pruning",
    "random": "random channel pruning",
    "uniform": "uniformly thinner, from scratch",
}
PAPER = [  # SASRNet, Table 5: pruned, accuracy %, params, MACs, test time s
    (0.0, 96.58, 4_776_000, 5.94e9, 41),
    (0.4, 96.67, 259_700, 3.45e9, 38),
    (0.6, 96.66, 86_600, 2.97e9, 25),
    (0.8, 93.34, 23_900, 0.83e9, 20),
]


def label(method):
    """A row's name: a baseline, or "sparsity method (alpha)"."""
    if method in BASELINE_LABELS:
        return BASELINE_LABELS[method]
    name, _, alpha = method.partition(":")
    m = sparsity.method(name)
    kind = "group-lasso" if m.grouped else "L1"
    kind += " proximal" if m.proximal else " in the loss"
    if m.cost_weighted:
        kind += ", latency-weighted" if m.cost == "latency" else ", MAC-weighted"
    return f"SASRNet, {kind} ({name}, alpha {float(alpha):g})"


def is_cost_weighted(method):
    name = method.partition(":")[0]
    return name in sparsity.METHODS and sparsity.method(name).cost_weighted


def _stats(values):
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0


def rows(task):
    """The task's rows: full SRNet, XuNet, then one per (method, rate).

    Accuracies are fractions; ``test_std`` is the sample standard deviation
    over seeds (0 for the full models, trained once); params and MACs are
    the first seed's; latency and size from ``task["costs"]``.
    """
    out = []
    for key in (("full", 0.0), ("xunet", 0.0)):
        m = task["full"]["srnet" if key[0] == "full" else "xunet"]
        out.append(
            _row(key, [m["test_accuracy"]], [m["val_accuracy"]], m, task["costs"])
        )
    for key in task["per_seed"][0]:
        runs = [seed[key] for seed in task["per_seed"]]
        out.append(
            _row(
                key,
                [r["test_accuracy"] for r in runs],
                [r["val_accuracy"] for r in runs],
                runs[0],
                task["costs"],
                [r.get("val_accuracy_pruned") for r in runs],
                [r.get("int8_test_accuracy") for r in runs],
                [r.get("int8_decision_agreement") for r in runs],
            )
        )
    return out


def _row(key, tests, vals, first, costs, pruned=None, int8=None, agree=None):
    method, rate = key
    mean, std = _stats(tests)
    cost = costs.get(key, {})
    row = {
        "method": method,
        "label": label(method),
        "sparsity": method not in BASELINE_LABELS,  # a SASRNet row
        "rate": rate,
        "test_mean": mean,
        "test_std": std,
        "test_seeds": tests,
        "val_mean": statistics.fmean(vals),
        "params": first["params"],
        "macs": first["macs"],
        "litert_ms": cost.get("litert_ms"),
        "litert_int8_ms": cost.get("litert_int8_ms"),
        "latency_ms": cost.get("latency_ms"),
        "tflite_bytes": cost.get("tflite_bytes"),
        # rows pruned to a latency budget: the budget and the plan's
        # prediction (ms, the latency model's), the first seed's
        "budget_ms": first.get("budget_ms", first.get("target_ms")),
        "predicted_ms": first.get("predicted_ms"),
    }
    if pruned and None not in pruned:
        row["val_pruned_mean"] = statistics.fmean(pruned)
    if int8 and None not in int8:
        row["int8_test_mean"], row["int8_test_std"] = _stats(int8)
    if agree and None not in agree:
        row["int8_agreement_mean"] = statistics.fmean(agree)
    return row


def summary(tasks, keys=("method", "rate", "test_mean", "test_std", "val_mean")):
    """benchmarks/summary.json's content (issue 13's format; issue 28 added
    the ``xunet`` row after ``full``, and the int8 fields)."""
    out = {}
    for task in tasks:
        rs = rows(task)
        out[task["task"]] = {
            "test_photos": task["test_photos"],
            "seeds": task["seeds"],
            "srnet_full_test": rs[0]["test_mean"],
            "xunet_full_test": rs[1]["test_mean"],
            "rows": [
                {
                    k: r[k]
                    for k in (*keys, "params", "macs", "litert_ms", "litert_int8_ms")
                }
                | (
                    {"int8_test_mean": r["int8_test_mean"]}
                    if "int8_test_mean" in r
                    else {}
                )
                for r in rs
            ],
        }
    return {"tasks": out}


def table(rs):
    """Markdown: every row, against the full SRNet (the first row)."""
    base = rs[0]
    body = []
    for r in rs:
        spread = f" ± {100 * r['test_std']:.2f}" if len(r["test_seeds"]) > 1 else ""
        lite = "-" if r["litert_ms"] is None else f"{r['litert_ms']:.1f}"
        pruned = r.get("val_pruned_mean")
        body.append(
            [
                r["label"],
                where(r),
                f"{100 * r['test_mean']:.2f}{spread} %",
                f"{100 * r['val_mean']:.2f} %",
                "-" if pruned is None else f"{100 * pruned:.2f} %",
                f"{r['params']:,} ({100 * r['params'] / base['params']:.2f} %)",
                f"{r['macs'] / 1e9:.3f} G ({100 * r['macs'] / base['macs']:.2f} %)",
                lite,
                "-"
                if not r["litert_ms"]
                else f"{base['litert_ms'] / r['litert_ms']:.2f}x",
            ]
        )
    return markdown.table(
        [
            "method",
            "pruned / latency budget",
            "test accuracy",
            "val accuracy",
            "val right after pruning",
            "params",
            "MACs (256²)",
            "LiteRT ms",
            "LiteRT speed-up",
        ],
        body,
    )


def photo_table(rs, photos):
    """Markdown: the first seed's test accuracy on each test photo."""
    names = sorted({p for accs in photos.values() for p in accs})
    body = []
    for r in rs:
        accs = photos.get((r["method"], r["rate"]))
        if accs is not None:
            cells = [f"{100 * accs[p]:.0f}" for p in names]
            body.append([r["label"], where(r), *cells])
    return markdown.table(["method", "pruned", *names], body)


def targets(rs):
    """Issue 13's targets, each said met or missed with the measured figure."""
    base, xunet = rs[0], rs[1]
    out = []
    d = 100 * (base["test_mean"] - xunet["test_mean"])
    out.append(
        f"- Full SRNet {100 * base['test_mean']:.2f} % against XuNet "
        f"{100 * xunet['test_mean']:.2f} % ({d:+.2f} pp): "
        + ("met." if d >= 0 else "missed.")
    )
    methods = [r for r in rs[2:] if r["method"] not in BASELINE_LABELS]
    at80 = [r for r in methods if r["rate"] == 0.8 and r.get("budget_ms") is None]
    if at80:
        best = max(at80, key=lambda r: r["test_mean"])
        gap = 100 * (base["test_mean"] - best["test_mean"])
        share = r_share(best, base, "params")
        ok = share <= 2 and gap <= 0.5
        out.append(
            f"- 80 % pruned, best method ({best['label']}): {share:.2f} % of the "
            f"params (target <= 2 %), {below(gap)} full SRNet (target <= 0.5 pp "
            "below): " + ("met." if ok else "missed.")
        )
    cost = [r for r in methods if is_cost_weighted(r["method"])]
    if cost:
        near = [r for r in cost if 100 * (base["test_mean"] - r["test_mean"]) <= 1]
        if near:
            best = min(near, key=lambda r: r["macs"])
            share = r_share(best, base, "macs")
            out.append(
                f"- Cost-weighted within 1 pp: fewest MACs {share:.2f} % "
                f"({best['label']}, {where(best)}; target <= 25 %): "
                + ("met." if share <= 25 else "missed.")
            )
        else:
            best = max(cost, key=lambda r: r["test_mean"])
            gap = 100 * (base["test_mean"] - best["test_mean"])
            out.append(
                f"- Cost-weighted within 1 pp at <= 25 % of the MACs: missed; the "
                f"best cost-weighted row ({best['label']}, {where(best)}, "
                f"{r_share(best, base, 'macs'):.2f} % of the MACs) is {below(gap)} "
                "full SRNet."
            )
    if base["litert_ms"]:
        near = [
            r
            for r in rs[2:]
            if r["litert_ms"] and 100 * (base["test_mean"] - r["test_mean"]) <= 1
        ]
        if near:
            speed = max(base["litert_ms"] / r["litert_ms"] for r in near)
            out.append(
                f"- Fastest row within 1 pp of full SRNet: {speed:.2f}x in LiteRT "
                "at batch 1 (target >= 3x): " + ("met." if speed >= 3 else "missed.")
            )
        elif rs[2:]:
            best = max(rs[2:], key=lambda r: r["test_mean"])
            gap = 100 * (base["test_mean"] - best["test_mean"])
            out.append(
                "- A row within 1 pp of full SRNet, 3x faster in LiteRT at batch 1: "
                f"missed; no pruned row is within 1 pp (the closest, {best['label']} "
                f"at {where(best)}, is {below(gap)} full SRNet)."
            )
    return "\n".join(out)


def time_target(minutes, limit=180):
    """The whole run's time against issue 13's 3 hours."""
    word = "met" if minutes <= limit else f"missed by {minutes - limit:.0f} min"
    return f"Time target (one command within {limit} min on 2 cores): {word}."


def r_share(r, base, key):
    return 100 * r[key] / base[key]


def verdicts(rs):
    """Each sparsity row against each baseline at its rate: "beats" only
    where the difference exceeds the sum of the two rows' seed std."""
    by = {(r["method"], r["rate"]): r for r in rs}
    out = []
    for r in rs[2:]:
        if r["method"] in BASELINE_LABELS:
            continue
        for method in ("l1", "random", "uniform"):
            other = by.get((method, r["rate"]))
            if other is None:
                continue
            d = 100 * (r["test_mean"] - other["test_mean"])
            noise = 100 * (r["test_std"] + other["test_std"])
            word = "ties" if abs(d) <= noise else ("beats" if d > 0 else "trails")
            out.append(
                f"- {r['label']} at {where(r)} {word} {other['label']}: "
                f"{d:+.2f} pp (seed std {noise:.2f} pp summed)"
            )
    return "\n".join(out)


def paper_table(rs, method):
    """The rows of ``method`` next to the paper's Table 5."""
    base = rs[0]
    ours = {0.0: base, **{r["rate"]: r for r in rs if r["method"] == method}}
    body = []
    for rate, acc, params, macs, seconds in PAPER:
        r = ours.get(rate)
        if r is not None:
            body.append(
                [
                    f"{rate:.0%}",
                    f"{acc:.2f} %",
                    f"{100 * r['test_mean']:.2f} %",
                    f"{params / 4_776_000:.1%}",
                    f"{r['params'] / base['params']:.1%}",
                    f"{macs / 5.94e9:.0%}",
                    f"{r['macs'] / base['macs']:.0%}",
                    f"{seconds / 41:.0%}",
                    "-"
                    if not r["litert_ms"]
                    else f"{r['litert_ms'] / base['litert_ms']:.0%}",
                ]
            )
    return markdown.table(
        [
            "pruned",
            "paper accuracy",
            "ours",
            "paper params",
            "ours",
            "paper MACs",
            "ours",
            "paper test time",
            "ours LiteRT",
        ],
        body,
    )


def curves_figure(tasks, path):
    """Validation accuracy of the full SRNet and XuNet against iterations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for task in tasks:
        for arch, style in (("srnet", "-"), ("xunet", "--")):
            its, accs = zip(*task["curves"][arch], strict=True)
            ax.plot(
                its, [100 * a for a in accs], style, label=f"{task['task']}: {arch}"
            )
    ax.axhline(50, color="grey", linewidth=0.5)
    ax.set(xlabel="iteration", ylabel="validation accuracy (%)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic.replacing(path, ".png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def tradeoff_figure(tasks, path):
    """Per task, test accuracy (mean, seed std as bars) against MACs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(tasks), figsize=(5 * len(tasks), 4), squeeze=False, sharey=True
    )
    for ax, task in zip(axes[0], tasks, strict=True):
        rs = rows(task)
        for r in rs:
            ax.errorbar(
                r["macs"] / 1e9,
                100 * r["test_mean"],
                yerr=100 * r["test_std"],
                fmt="o",
                capsize=3,
                label=f"{r['label']} {where(r)}" if r["rate"] else r["label"],
            )
        ax.axhline(50, color="grey", linewidth=0.5)
        ax.set_xscale("log")
        ax.set(title=task["task"], xlabel="GMACs at 256x256 (log)")
    axes[0][0].set_ylabel("test accuracy (%)")
    axes[0][-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    with atomic.replacing(path, ".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)


def machine():
    """One line about where the figures were measured."""
    import tensorflow as tf

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU "
        f"cores, Python {platform.python_version()}, TensorFlow {tf.__version__}"
    )


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


def write(workdir, tasks, command, minutes, c):
    """Writes BENCHMARKS.md, summary.json and figures/; returns the text."""
    os.makedirs(os.path.join(workdir, "figures"), exist_ok=True)
    curves_figure(tasks, os.path.join(workdir, "figures", "learning_curves.png"))
    tradeoff_figure(tasks, os.path.join(workdir, "figures", "accuracy_vs_macs.png"))
    latency_report.frontier_figure(
        [(t["task"], rows(t)) for t in tasks],
        os.path.join(workdir, "figures", "accuracy_vs_latency.png"),
    )
    atomic.write_json(os.path.join(workdir, "summary.json"), summary(tasks))
    b = c.bench
    parts = [
        "# Benchmarks: sparsity methods and baselines on two tasks",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine()}  ",
        f"Time: {minutes:.0f} min of stage time in all, summed over invocations "
        "(the full models' training included, whichever run trained them; "
        "making the covers and stegos not included). " + time_target(minutes),
        "",
        f"Data: {b.source} covers, {c.bench.photo_size}x{c.bench.photo_size} tiles "
        f"split by photo; payload {b.payload:g} bpp. Full models: "
        f"{c.baseline.steps} iterations, trained once. Every other row: seeds "
        f"{list(b.seeds)}, mean ± sample std over seeds; params, MACs (at "
        "256x256) and batch-1 LiteRT latency (float32, and int8 with a float "
        "stem; 256x256, this CPU, every model timed in turns with full SRNet "
        "and XuNet, median of at least 21 calls) of the first seed's model. "
        + (
            "Rows pruned to a latency budget ('budget 30%': 30 % of the full "
            "SRNet's LiteRT float32 latency as the latency model "
            f"{os.path.relpath(c.latency.table)} predicts it). "
            if c.prune.select == "latency"
            else ""
        )
        + f"Methods: {method_recipe(c)}; {baseline_recipe(c)}",
        "",
        "![learning curves](figures/learning_curves.png)",
        "",
        "![test accuracy against MACs](figures/accuracy_vs_macs.png)",
        "",
        "![test accuracy against LiteRT latency](figures/accuracy_vs_latency.png)",
        "",
    ]
    first = b.methods[0]
    for task in tasks:
        rs = rows(task)
        parts += [
            f"## {task['task']} {b.payload:g} bpp ({task['test_photos']} test photos)",
            "",
            table(rs),
            "",
            "### Targets (issue 13)",
            "",
            targets(rs),
            "",
            "### Speed: LiteRT float32 and int8 (issue 28)",
            "",
            latency_report.speed_table(rs),
            "",
            latency_report.targets(rs),
            "",
            "### Against the baselines",
            "",
            verdicts(rs) or "No baseline rows.",
            "",
            f"### Test accuracy (%) per test photo, seed {b.seeds[0]}",
            "",
            photo_table(rs, task["photos"]),
            "",
        ]
        if c.prune.select != "latency":  # the paper's rows are channel rates
            parts += [
                f"### Against the paper's Table 5 ({label(first)})",
                "",
                paper_table(rs, first),
                "",
            ]
    text = "\n".join(parts)
    atomic.write_text(os.path.join(workdir, "BENCHMARKS.md"), text)
    return text
