"""The adaptive study's README, made from its rows alone."""

import statistics

from benchmarks import study
from keras_sasrnet import markdown

COMMAND = (
    "python -m benchmarks.adaptive.run --workdir=work/adaptive "
    "--data_dir=work/bench/data"
)


def _pp(x):
    return f"{100 * x:+.2f} pp"


def readme(folder):
    """README.md: per search and task, the mean over seeds against the 1 pp
    promise, then every run's path."""
    rows = study.load(folder)
    (tolerance,) = {r["tolerance"] for r in rows}  # one config for all
    searches = list(dict.fromkeys(r.get("search", "ladder") for r in rows))
    parts = [
        "# Sparsity strength chosen from the data (issue 29)",
        "",
        "One config (configs/demo.py, the sparsity guard on), no per-task "
        "tuning; the target: the slimmed model within "
        f"{100 * tolerance:g} pp of the baseline on validation and on test "
        "(or within the seeds' spread), with at least 20 % of the channels "
        "removed on every seed. Two ways to choose the strength, each judged "
        "against the baseline's level: the ladder (each rung from the last "
        "accepted one, alpha doubling; the first rejected rung is undone and "
        "ends the search) and the sweep (every rung from the baseline at its "
        "own alpha; the accepted rung with the most channels at zero is kept).",
        "",
    ]
    for search in searches:
        rs = [r for r in rows if r.get("search", "ladder") == search]
        parts += [f"## {search}", "", _table(rs, tolerance), ""]
    parts += [
        "`val baseline` is the validation accuracy of the baseline kept "
        "(its best epoch, the highest of all its validations); in "
        "brackets its level, the median of the last quarter of its "
        "validations, which the guard compares each rung with. The gap "
        "between the two is how much the best epoch owes to the noise of "
        "one validation set.",
        "",
        "## The guard's path per run",
        "",
    ]
    parts += [
        f"- {r.get('search', 'ladder')}, {r['task']}, seed {r['seed']}: "
        + ", ".join(
            f"alpha {p['alpha']:g} -> {100 * p['zero_fraction']:.0f} % at zero, "
            + (
                f"val {100 * p['val_sparse']:.2f} % sparse, "
                f"{100 * p['val_probe']:.2f} % after the probe"
                if "val_probe" in p
                else f"val {100 * p['val_accuracy']:.2f} %"
            )
            + ("" if p["accepted"] else " (rejected)")
            for p in r["guard"]
        )
        for r in rows
    ]
    return study.header(COMMAND) + "\n".join([*parts, ""])


def _table(rows, tolerance):
    """One search's table: a line per task, means over its seeds."""
    by_task = {}
    for r in rows:
        by_task.setdefault(r["task"], []).append(r)
    body = []
    for task, rs in by_task.items():

        def mean(key, rs=rs):
            return statistics.fmean(r[key] for r in rs)

        dval = mean("val_slim") - mean("val_baseline")
        dtest = [r["test_slim"] - r["test_baseline"] for r in rs]
        spread = statistics.stdev(dtest) if len(dtest) > 1 else 0.0
        removed = [r["removed_fraction"] for r in rs]
        ok = (
            dval >= -tolerance
            and (
                statistics.fmean(dtest) >= -tolerance
                or -statistics.fmean(dtest) <= spread
            )
            and min(removed) >= 0.2  # on every seed
        )
        levels = [r["guard"][0]["reference"] for r in rs if r["guard"]]
        body.append(
            [
                task,
                str(len(rs)),
                f"{100 * mean('val_baseline'):.2f} %"
                + (
                    f" ({100 * statistics.fmean(levels):.2f} %)"
                    if len(levels) == len(rs)
                    else ""
                ),
                f"{100 * mean('val_slim'):.2f} % ({_pp(dval)})",
                f"{100 * mean('test_baseline'):.2f} %",
                f"{100 * mean('test_slim'):.2f} % ({_pp(statistics.fmean(dtest))}"
                f" ± {100 * spread:.2f})",
                " / ".join(f"{100 * x:.1f} %" for x in removed),
                f"{100 * mean('macs_share'):.1f} %",
                "met" if ok else "missed",
            ]
        )
    header = ["task", "seeds", "val baseline (level)", "val slimmed", "test baseline"]
    header += ["test slimmed (mean diff ± seed std)", "channels removed (per seed)"]
    header += ["MACs kept", "target"]
    return markdown.table(header, body)
