"""The report of ``sasrnet_eval``: tables, ROC figures, per-image scores."""

import csv
import io
import os

from keras_sasrnet import atomic
from keras_sasrnet.evaluation import plots
from keras_sasrnet.evaluation.evaluate import evaluate_sets, mismatch_table


def parse_models(entries):
    """``["name=path", "path"]`` -> {name: path} (name defaults to the path)."""
    result = {}
    for entry in entries:
        name, sep, path = entry.partition("=")
        if not sep:
            name, path = entry, entry
        if not os.path.exists(path):
            raise FileNotFoundError(f"no model file at {path}")
        result[name] = path
    if not result:
        raise ValueError("--models is empty: give name=path or path entries")
    return result


def parse_sets(entries):
    """``["name=covers:stegos[:split]"]`` -> {name: (covers, stegos, split)}."""
    result = {}
    for entry in entries:
        name, sep, spec = entry.partition("=")
        parts = spec.split(":")
        if not sep or len(parts) not in (2, 3):
            raise ValueError(
                f"a test set is name=covers:stegos[:split]; received {entry!r}"
            )
        split = parts[2] if len(parts) == 3 else "test"
        result[name] = (parts[0], parts[1], None if split == "all" else split)
    if not result:
        raise ValueError("--sets is empty: give name=covers:stegos[:split] entries")
    return result


def report(models, sets, out, trust_savedmodel=False, log=print):
    """``write_evaluation`` of ``parse_models(models)``, ``parse_sets(sets)``;
    the report's text.

    Example:
        >>> print(report(["full=best.keras"], ["demo=covers:stegos"], "eval"))
    """
    path = write_evaluation(
        parse_models(models), parse_sets(sets), out, log, trust_savedmodel
    )
    with open(path) as f:
        return f.read()


def write_evaluation(model_paths, test_sets, out, log=print, trust_savedmodel=False):
    """Evaluates, writes out/{report.md, results.json, scores_*.csv, *.png}.

    ``trust_savedmodel``: open SavedModel folders (``formats.open_detector``).
    """
    atomic.check_folder(out)
    results = evaluate_sets(
        model_paths, test_sets, log=log, trust_savedmodel=trust_savedmodel
    )
    os.makedirs(out, exist_ok=True)
    atomic.write_json(
        os.path.join(out, "results.json"),
        [
            {
                "model": m,
                "model_path": model_paths[m],
                "set": s,
                "set_folders": list(test_sets[s][:2]),
                "split": test_sets[s][2],
                **r["summary"],
            }
            for (m, s), r in results.items()
        ],
    )
    lines = ["# Evaluation", ""]
    for key, title in (
        ("accuracy", "Accuracy (1 - P_E at 0.5)"),
        ("min_p_e", "Minimum P_E over thresholds"),
        ("auc", "AUC"),
    ):
        lines += [
            f"## {title}",
            "",
            mismatch_table(results, key, percent=key == "accuracy"),
            "",
        ]
    for s in test_sets:
        curves = {
            m: (r["labels"], r["scores"]) for (m, t), r in results.items() if t == s
        }
        name = f"roc_{s}.png"
        plots.roc_curves(curves, os.path.join(out, name), f"ROC on {s}")
        lines += [f"## ROC on {s}", "", f"![ROC on {s}]({name})", ""]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["file", "label", *curves])
        first = next(r for (m, t), r in results.items() if t == s)
        columns = [results[(m, s)]["scores"] for m in curves]
        for i, (path, label) in enumerate(
            zip(first["files"], first["labels"], strict=True)
        ):
            writer.writerow([path, int(label), *(f"{c[i]:.6f}" for c in columns)])
        atomic.write_text(os.path.join(out, f"scores_{s}.csv"), buffer.getvalue())
    path = os.path.join(out, "report.md")
    atomic.write_text(path, "\n".join(lines))
    return path
