"""The latency study's README, made from its rows, table and budget plans."""

import json
import os

from benchmarks import study
from benchmarks.latency import int8_widths, xunet_widths
from keras_sasrnet import markdown
from keras_sasrnet.latency import LatencyModel

COMMAND = "python -m benchmarks.latency.run --workdir=work/latency"


def readme(folder):
    """README.md from ``rows.json``, ``table.json`` and ``budget.json``."""
    rows = study.load(folder)
    budget = study.load(folder, "budget.json")
    model = LatencyModel.load(os.path.join(folder, "table.json"))
    with open(os.path.join(folder, "table.json")) as f:
        summary = json.load(f)["check"]
    lines = [
        study.header(COMMAND).rstrip("\n"),
        "",
        "# The latency model of LiteRT float32 (issue 28)",
        "",
        f"Runtime: {summary['runtime']}.",
        f"Machine: {summary['machine']}.",
        "",
        "SRNet at 256x256 of random widths, timed in turns in one process (full",
        f"SRNet {summary['full_srnet_ms']:.1f} ms, XuNet"
        f" {summary['xunet_ms']:.2f} ms in"
        " the same run).",
        f"Held out: {summary['held_out']} models the fit never saw. Median absolute",
        f"error {100 * summary['median_abs_error']:.1f} %, worst"
        f" {100 * summary['worst_abs_error']:.1f} % (targets: 10 % and 25 %).",
        "",
        f"The fastest SRNet measured ran {summary['fastest_srnet_ms']:.2f} ms (widths"
        f" {_short(summary['fastest_srnet_widths'])}): SRNet's ~80 ops cost",
        "about that whatever their widths (the fitted intercept below), so no",
        "slimmed SRNet reaches XuNet's float32 latency in this runtime.",
        "",
        "Fitted costs (ms per million MACs / elements; intercept in ms):",
        "",
    ]
    costs = [[n, f"{c:.4g}"] for n, c in sorted(model.coefficients.items()) if c]
    costs.append(["intercept", f"{model.intercept:.3f}"])
    lines += markdown.table(["term", "cost"], costs).splitlines()
    lines += [
        "",
        "Budget plans (`slimming.budget_plan`) of SRNet with seeded random",
        "gammas at a fraction of its predicted latency, against a |gamma|",
        "threshold removing as many channels (`budget.json`, timed in turns):",
        "",
    ]
    lines += markdown.table(
        [
            "plan",
            "channels pruned",
            "MACs of full",
            "predicted ms",
            "measured ms",
            "speed-up",
        ],
        [
            [
                b["name"],
                ""
                if b["pruned_fraction"] is None
                else f"{100 * b['pruned_fraction']:.1f} %",
                f"{100 * b['mac_share']:.1f} %",
                f"{b['predicted_ms']:.2f}",
                f"{b['measured_ms']:.2f}",
                f"{b['speedup']:.2f}x",
            ]
            for b in budget
        ],
    ).splitlines()
    lines += ["", "Held-out models:", ""]
    table = [
        [
            r["name"],
            f"{100 * r['mac_share']:.1f} %",
            f"{r['measured_ms']:.2f}",
            f"{r['predicted_ms']:.2f}",
            f"{100 * r['error']:+.1f} %",
        ]
        for r in sorted(rows, key=lambda r: r["measured_ms"])
    ]
    lines += markdown.table(
        ["model", "MACs of full", "measured ms", "predicted ms", "error"], table
    ).splitlines()
    lines += _extra(
        folder,
        "xunet_rows.json",
        xunet_widths.table,
        "How far slimming can speed up XuNet (the demo's model): chosen",
        "widths, batch 1 at 256x256, Keras and LiteRT float32 timed in",
        "turns (`python -m benchmarks.latency.xunet_widths`,",
        "`xunet_rows.json`):",
    )
    lines += _extra(
        folder,
        "int8_rows.json",
        int8_widths.table,
        "Why slimmed SRNets are not faster in int8: SRNet with every layer",
        "at one width, float32 and fully integer int8 in LiteRT, batch 1 at",
        "256x256, timed in turns (`python -m benchmarks.latency.int8_widths`,",
        "`int8_rows.json`; speed-ups against full SRNet in float32). int8",
        "costs about the same at 4, 8 and 16 channels: thin layers do not",
        "get cheaper in int8 (XNNPACK's int8 kernels; fully integer or",
        "with a float stem alike), so with the benchmark's floor of 4",
        "channels per group a slimmed SRNet's int8 model runs no faster",
        "than the first row: about 2.8x full SRNet in float32, against",
        "issue 28's 8x.",
    )
    return "\n".join(lines) + "\n"


def _extra(folder, name, table, *intro):
    """A side measurement's section: ``intro`` lines, then ``table`` of the
    rows in ``folder/name`` (nothing if that file is absent)."""
    if not os.path.exists(os.path.join(folder, name)):
        return []
    return ["", *intro, "", *table(study.load(folder, name)).splitlines()]


def _short(widths):
    """l1, stream, inner (l3-l7), deep (l8-l11 conv2), l12: compact widths."""
    inner = [widths[f"l{k}_conv1"] for k in range(3, 8)]
    deep = [widths[f"l{k}_conv2"] for k in range(8, 12)]
    return (
        f"l1 {widths['l1_conv']}, stream {widths['l2_conv']}, inner {inner}, "
        f"deep {deep}, l12 {widths['l12_conv1']}/{widths['l12_conv2']}"
    )
