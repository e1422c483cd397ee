"""The benchmark's speed report (issue 28): every row in LiteRT float32 and
int8, the latency targets said met or missed, the accuracy-latency frontier.

Pure functions of one task's rows (``bench_report.rows``: full SRNet,
XuNet, then the pruned rows), except ``frontier_figure``, which writes a
file. ``bench_report`` imports this module, never the reverse.
"""

from keras_sasrnet import atomic, markdown

NEAR_PP = 1.0  # "within 1 pp of full SRNet's test accuracy"


def where(r):
    """A row's place: "80%" of the channels pruned, or (rows pruned to a
    latency budget) "budget 30%": 30 % of the full SRNet's predicted latency."""
    if r.get("budget_ms") is not None:
        return f"budget {1 - r['rate']:.0%}"
    return f"{r['rate']:.0%}"


def below(gap):
    """``gap`` pp (full minus row) as "X pp below" or "X pp above"."""
    return f"{abs(gap):.2f} pp " + ("below" if gap >= 0 else "above")


def _pct(mean, std=None):
    spread = f" ± {100 * std:.2f}" if std else ""
    return f"{100 * mean:.2f}{spread} %"


def _speed(base_ms, ms):
    return "-" if not ms else f"{base_ms / ms:.2f}x"


def speed_table(rs):
    """Markdown: per row, float32 and int8 test accuracy and LiteRT latency;
    both speed-ups are against full SRNet in float32 (batch 1, 256x256)."""
    base = rs[0]["litert_ms"]
    body = []
    for r in rs:
        int8 = r.get("int8_test_mean")
        agree = r.get("int8_agreement_mean")
        body.append(
            [
                r["label"],
                where(r) if r["rate"] else "-",
                _pct(r["test_mean"], r["test_std"]),
                "-" if not r["litert_ms"] else f"{r['litert_ms']:.1f}",
                _speed(base, r["litert_ms"]),
                "-" if r.get("predicted_ms") is None else f"{r['predicted_ms']:.1f}",
                "-" if int8 is None else _pct(int8, r.get("int8_test_std")),
                "-" if agree is None else f"{100 * agree:.1f} %",
                "-" if not r.get("litert_int8_ms") else f"{r['litert_int8_ms']:.1f}",
                _speed(base, r.get("litert_int8_ms")),
            ]
        )
    return markdown.table(
        [
            "method",
            "pruned / latency budget",
            "test (float32)",
            "LiteRT ms",
            "speed-up",
            "predicted ms",
            "test (int8)",
            "int8 decisions = float",
            "LiteRT int8 ms",
            "int8 speed-up",
        ],
        body,
    )


def _points(r):
    """(precision, ms, test mean, test std) of a row where measured."""
    out = []
    if r.get("litert_ms"):
        out.append(("float32", r["litert_ms"], r["test_mean"], r["test_std"]))
    if r.get("litert_int8_ms") and r.get("int8_test_mean") is not None:
        out.append(
            (
                "int8",
                r["litert_int8_ms"],
                r["int8_test_mean"],
                r.get("int8_test_std", 0.0),
            )
        )
    return out


def _fastest_near(rs, precision, target):
    """Issue 28's "a SASRNet row within 1 pp of full SRNet at >= target x"."""
    base = rs[0]
    methods = [r for r in rs[2:] if r["sparsity"]]
    points = [(r, p) for r in methods for p in _points(r) if p[0] == precision]
    if not base.get("litert_ms") or not points:
        return f"- SASRNet in {precision}: not measured."
    near = [(r, p) for r, p in points if 100 * (base["test_mean"] - p[2]) <= NEAR_PP]
    if near:
        r, p = min(near, key=lambda rp: rp[1][1])
        speed = base["litert_ms"] / p[1]
        word = "met" if speed >= target else "missed"
        return (
            f"- A SASRNet row within {NEAR_PP:g} pp of full SRNet, >= {target}x "
            f"faster in LiteRT {precision}: fastest such row {r['label']} at "
            f"{where(r)}, {100 * p[2]:.2f} % in {p[1]:.1f} ms ({speed:.2f}x): {word}."
        )
    r, p = max(points, key=lambda rp: rp[1][2])
    gap = 100 * (base["test_mean"] - p[2])
    return (
        f"- A SASRNet row within {NEAR_PP:g} pp of full SRNet, >= {target}x faster "
        f"in LiteRT {precision}: missed; no row is within {NEAR_PP:g} pp (the "
        f"closest, {r['label']} at {where(r)}, is {below(gap)} full SRNet at "
        f"{base['litert_ms'] / p[1]:.2f}x)."
    )


def _against_xunet(rs):
    """A slimmed SRNet at or below XuNet's float32 latency, more accurate
    than XuNet beyond its seeds' std; or the distance."""
    xunet = rs[1]
    if not xunet.get("litert_ms"):
        return "- Against XuNet: not measured."
    limit, acc = xunet["litert_ms"], xunet["test_mean"]
    points = [(r, p) for r in rs[2:] for p in _points(r)]
    fast = [(r, p) for r, p in points if p[1] <= limit]
    head = (
        f"- A slimmed SRNet at or below XuNet's {limit:.1f} ms (float32) and more "
        f"accurate than XuNet's {100 * acc:.2f} % beyond its seeds' std: "
    )
    if fast:
        r, p = max(fast, key=lambda rp: rp[1][2] - rp[1][3])
        verdict = "met" if p[2] - acc > p[3] else "missed"
        return head + (
            f"{verdict}; the best such row is {r['label']} at {where(r)} in "
            f"{p[0]}, {_pct(p[2], p[3])} in {p[1]:.1f} ms."
        )
    if not points:
        return head + "no pruned row measured."
    r, p = min(points, key=lambda rp: rp[1][1])
    return head + (
        f"missed; the fastest slimmed SRNet, {r['label']} at {where(r)} in {p[0]}, "
        f"takes {p[1]:.1f} ms ({p[1] / limit:.2f}x XuNet's) at {_pct(p[2], p[3])}."
    )


def targets(rs):
    """Issue 28's latency targets, each met or missed with its figure."""
    return "\n".join(
        [
            _fastest_near(rs, "float32", 3),
            _fastest_near(rs, "int8", 8),
            _against_xunet(rs),
        ]
    )


def frontier_figure(tasks, path):
    """Per task, test accuracy against LiteRT latency: each row in float32
    (circle) and int8 (triangle), joined; seed std as bars.

    ``tasks``: [(task name, its rows)]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(tasks), figsize=(5.5 * len(tasks), 4.2), squeeze=False, sharey=True
    )
    for ax, (name, rs) in zip(axes[0], tasks, strict=True):
        for k, r in enumerate(rs):
            points = _points(r)
            if not points:
                continue
            color = f"C{k % 10}"
            label = f"{r['label']} {where(r)}" if r["rate"] else r["label"]
            for n, (precision, ms, mean, std) in enumerate(points):
                ax.errorbar(
                    ms,
                    100 * mean,
                    yerr=100 * std,
                    fmt="o" if precision == "float32" else "^",
                    color=color,
                    capsize=3,
                    label=label if n == 0 else None,
                )
            if len(points) == 2:
                ax.plot(
                    [p[1] for p in points],
                    [100 * p[2] for p in points],
                    ":",
                    color=color,
                    linewidth=1,
                )
        ax.axhline(50, color="grey", linewidth=0.5)
        ax.set_xscale("log")
        ax.set(
            title=f"{name} (o float32, ^ int8)",
            xlabel="LiteRT ms, batch 1, 256x256 (log)",
        )
    axes[0][0].set_ylabel("test accuracy (%)")
    if axes[0][-1].get_legend_handles_labels()[0]:  # rows without timings: none
        axes[0][-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    with atomic.replacing(path, ".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
