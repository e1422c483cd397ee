"""Issue 13's targets, each said met or missed with the measured figure."""

from benchmarks.harness.latency_report import below, where
from benchmarks.harness.rows import BASELINE_LABELS, is_cost_weighted, r_share


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


def time_verdict(minutes, limit=180):
    """ "met", or by how much a time misses ``limit`` minutes."""
    return "met" if minutes <= limit else f"missed by {minutes - limit:.0f} min"


def time_target(minutes, limit=180):
    """The whole run's time against issue 13's 3 hours."""
    return (
        f"Time target (one command within {limit} min on 2 cores): "
        f"{time_verdict(minutes, limit)}."
    )
