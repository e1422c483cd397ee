"""The benchmark's rows: per task, full SRNet, XuNet, then one per (method,
rate), over seeds; and summary.json's content. Pure functions of the task
dicts ``benchmark.run_task`` returns."""

import statistics

from keras_sasrnet.slimming import sparsity

BASELINE_LABELS = {
    "full": "SRNet, no slimming",
    "xunet": "XuNet, no slimming",
    "l1": "L1-norm filter pruning",
    "random": "random channel pruning",
    "uniform": "uniformly thinner, from scratch",
}


def label(method):
    """A row's name: a baseline, or "sparsity method (alpha)"."""
    if method in BASELINE_LABELS:
        return BASELINE_LABELS[method]
    spec, _, order = method.partition("/")
    name, _, alpha = spec.partition(":")
    m = sparsity.method(name)
    kind = "group-lasso" if m.grouped else "L1"
    kind += " proximal" if m.proximal else " in the loss"
    if m.cost_weighted:
        kind += ", latency-weighted" if m.cost == "latency" else ", MAC-weighted"
    if order:
        kind += ", |gamma| order" if order == "score" else ", knapsack"
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
                | {k: r[k] for k in ("int8_test_mean", "int8_test_std") if k in r}
                for r in rs
            ],
        }
    return {"tasks": out}


def r_share(r, base, key):
    return 100 * r[key] / base[key]
