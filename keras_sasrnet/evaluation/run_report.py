"""The Markdown report of a slimming run, with its figures.

Reads only what the run left on disk (stage folders, ``state.json``
histories, ``test_scores.npz``), so it can be redrawn for any finished or
partly finished run.
"""

import json
import os

import numpy as np

from keras_sasrnet import atomic, markdown
from keras_sasrnet.evaluation import plots
from keras_sasrnet.train.checkpoint import BEST

# Stage folders and the sub-folder holding their training run, in order.
STAGES = (("baseline", "train"), ("sparse", "train"))


def _stages(workdir):
    found = list(STAGES)
    k = 1
    while os.path.isdir(os.path.join(workdir, f"round_{k}")):
        found.append((f"round_{k}", "finetune"))
        k += 1
    return found


def _gammas(path):
    from keras_sasrnet import models
    from keras_sasrnet.slimming import find_groups

    model = models.load(path)
    bns = [b for g in find_groups(model) if g.prunable for b in g.bns]
    return np.concatenate([model.get_layer(b).gamma.numpy() for b in bns])


def write_report(workdir, rows, table, log=print):
    """Writes figures/*.png and report.md into ``workdir``; returns the path."""
    figures = os.path.join(workdir, "figures")
    os.makedirs(figures, exist_ok=True)
    links = []
    curves = {}
    for row, (stage, _) in zip(rows, _stages(workdir), strict=False):
        scores = os.path.join(workdir, stage, "test_scores.npz")
        if os.path.exists(scores):
            data = np.load(scores)
            curves[row["name"]] = (data["labels"], data["scores"])
    if curves:
        plots.roc_curves(
            curves, os.path.join(figures, "roc.png"), "ROC on the test set"
        )
        links.append(("ROC curves on the test set (Fig. 6)", "roc.png"))
    for stage, sub in _stages(workdir):
        state = os.path.join(workdir, stage, sub, "state.json")
        if os.path.exists(state):
            with open(state) as f:
                history = json.load(f)["history"]
            if history:
                name = f"training_{stage}.png"
                plots.training_curves(history, os.path.join(figures, name), stage)
                links.append((f"training curves: {stage} (Fig. 5)", name))
    base = os.path.join(workdir, "baseline", BEST)
    sparse = os.path.join(workdir, "sparse", "model.keras")
    if os.path.exists(base) and os.path.exists(sparse):
        plots.gamma_histogram(
            _gammas(base), _gammas(sparse), os.path.join(figures, "gamma.png")
        )
        links.append(
            ("|gamma| before and after sparsity training (Fig. 4)", "gamma.png")
        )
    pruned = [r for r in rows if "val_accuracy_pruned" in r]
    if pruned:
        plots.accuracy_vs_rate(
            [r["rate"] for r in pruned],
            [r["val_accuracy_pruned"] for r in pruned],
            [r["val_accuracy"] for r in pruned],
            os.path.join(figures, "rate.png"),
            baseline=rows[0]["val_accuracy"],
        )
        links.append(("validation accuracy against pruning rate (Fig. 7)", "rate.png"))
    lines = [
        "# Slimming report",
        "",
        f"Run: `{os.path.abspath(workdir)}`",
        "",
        "## Table 5",
        "",
        table,
        "",
    ]
    guarded = [r["guard"] for r in rows if r.get("guard")]
    if guarded:
        lines += [
            "## Sparsity strength (the guard's rungs)",
            "",
            guard_table(guarded[0]),
            "",
        ]
    for title, name in links:
        lines += [
            f"## {title[0].upper()}{title[1:]}",
            "",
            f"![{title}](figures/{name})",
            "",
        ]
    path = os.path.join(workdir, "report.md")
    atomic.write_text(path, "\n".join(lines))
    log(f"report: {path}")
    return path


def _sweep_final(path):
    """The sweep's kept rung: the accepted one whose kept model (its last or
    its best epoch) has the most channels at zero, the first on a tie, as
    ``guard.guarded_sparsity`` chooses; None if none was accepted."""
    final, most = None, None
    for p in path:
        if not p["accepted"]:
            continue
        zeros = (
            p["zero_fraction_best_epoch"]
            if p.get("kept") == "best epoch"
            else p["zero_fraction"]
        )
        if most is None or zeros > most:
            final, most = p, zeros
    return final


def guard_table(path):
    """The sparsity guard's rungs (``guard.guarded_sparsity``) as Markdown
    (a sweep keeps the accepted rung with the most zeros, a ladder the last);
    with a probe (``sparsity.probe_steps``), the sparse model's own accuracy
    and the probe's beside the better of them, which the verdict reads; the
    rung's best epoch beside, and which of the two the verdict kept."""
    probed = any("val_probe" in p or "probe_diverged" in p for p in path)
    epochs = any("val_best_epoch" in p for p in path)
    sweep = path[0].get("search") == "sweep"  # every rung from the baseline
    final = _sweep_final(path) if sweep else None
    cells = []
    for p in path:
        verdict = (
            ("accepted" if p["accepted"] else "rejected")
            if sweep
            else ("kept" if p["accepted"] else "undone, stop")
        )
        if p["accepted"] and p.get("kept"):
            verdict += f" ({p['kept']})"
        if p is final:
            verdict += ": the phase's model"
        if "diverged" in p:  # no last model: its training diverged
            blank = len(_columns(probed, epochs)) - 4 - epochs
            cells.append(
                [str(p["rung"]), f"{p['alpha']:g}", str(p["iterations"])]
                + ["diverged"]
                + [""] * blank
                + ([_best_epoch_cell(p)] if epochs else [])
                + [
                    verdict.replace(" (best epoch)", "") + " (diverged; best epoch)"
                    if p["accepted"]
                    else verdict + " (diverged)"
                ]
            )
            continue
        cells.append(
            [
                str(p["rung"]),
                f"{p['alpha']:g}",
                str(p["iterations"]),
                f"{100 * p['zero_fraction']:.1f} %",
                *(
                    [
                        f"{100 * p['val_sparse']:.2f} %",
                        f"{100 * p['val_probe']:.2f} %"
                        if "val_probe" in p
                        else "diverged",
                    ]
                    if probed
                    else []
                ),
                f"{100 * p['val_accuracy']:.2f} %",
                f"{100 * p['drop']:+.2f} pp",
                *([_best_epoch_cell(p)] if epochs else []),
                verdict,
            ]
        )
    return markdown.table([*_columns(probed, epochs), "verdict"], cells)


def _best_epoch_cell(p):
    """The guard table's best-epoch cell: at zero, val ("" if none)."""
    if "val_best_epoch" not in p:
        return ""
    return (
        f"{100 * p['zero_fraction_best_epoch']:.1f} %, "
        f"{100 * p['val_best_epoch']:.2f} %"
    )


def _columns(probed, epochs):
    """The guard table's columns before the verdict."""
    header = ["rung", "alpha", "iterations", "at zero"]
    header += (
        ["val sparse", "val after probe", "judged"] if probed else ["val accuracy"]
    )
    header += ["below baseline"]
    header += ["best epoch: at zero, val"] if epochs else []
    return header


def table5(rows, tolerance=None):
    """The paper's Table 5 (accuracy, params, MACs, latency) as Markdown.

    Beside the test figures: validation accuracy, validation accuracy right
    after pruning (before fine-tuning) and, for the sparsity-trained model,
    the fraction of prunable channels whose |gamma| is exactly 0. With
    ``tolerance``, a line under the table says it.
    """
    base = rows[0]
    side = base["latency_size"]
    header = [
        "model",
        "pruned",
        "test accuracy",
        "P_E",
        "val accuracy",
        "val right after pruning",
        "at zero",
        "params",
        f"MACs ({side}x{side})",
        f"CPU latency b1 ({side}x{side})",
    ]
    cells = []
    for row in rows:
        pruned = row.get("val_accuracy_pruned")
        zeros = row.get("zero_fraction")
        latency = row.get("latency_ms")
        cells.append(
            [
                row["name"],
                f"{row['rate']:.0%}",
                f"{100 * row['test_accuracy']:.2f} %",
                f"{row['test_pe']:.4f}",
                f"{100 * row['val_accuracy']:.2f} %",
                "" if pruned is None else f"{100 * pruned:.2f} %",
                "" if zeros is None else f"{100 * zeros:.1f} %",
                f"{row['params']:,} ({100 * row['params'] / base['params']:.1f} %)",
                f"{row['macs'] / 1e9:.3f} G ({100 * row['macs'] / base['macs']:.1f} %)",
                "" if latency is None else f"{latency:.1f} ms",
            ]
        )
    text = markdown.table(header, cells)
    if tolerance is not None:
        text += (
            f"\n\nTolerance: {100 * tolerance:.2f} pp of validation accuracy "
            "below the baseline (the sparsity guard's and the prune rounds' limit)."
        )
    return text
