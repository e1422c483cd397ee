"""The benchmark's Markdown tables: every row, per test photo, the verdicts
against the baselines, the paper's Table 5 beside ours."""

from benchmarks.harness.latency_report import where
from benchmarks.harness.rows import BASELINE_LABELS
from keras_sasrnet import markdown

PAPER = [  # SASRNet, Table 5: pruned, accuracy %, params, MACs, test time s
    (0.0, 96.58, 4_776_000, 5.94e9, 41),
    (0.4, 96.67, 259_700, 3.45e9, 38),
    (0.6, 96.66, 86_600, 2.97e9, 25),
    (0.8, 93.34, 23_900, 0.83e9, 20),
]


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
