"""The GPU latency study: fit on the timed "fit" SRNets, check on the rest.

``fit_and_write`` reads the shards' times (``benchmarks.latency.gpu``),
fits one ``LatencyModel`` per batch size and writes ``rows.json`` (one row
per batch size and model not fitted on: held-out random SRNets and the
benchmark's slimmed rows), ``table.json`` (the fits) and ``README.md``.
"""

import glob
import json
import os
import statistics

from benchmarks import study
from benchmarks.latency.widths import build
from keras_sasrnet import atomic, markdown, profile
from keras_sasrnet.latency import LatencyModel, features

COMMAND = (
    "python -m benchmarks.latency.gpu --entries=.gpu/entries.json --times=TIMES"
    " (after the GPU machine ran benchmarks/device/gpu_checks.sh)"
)


def load_times(path):
    """(device, {(name, batch): ms}) from a times file or a folder of shards;
    a model timed in several shards (full SRNet) gets its median."""
    files = [path] if os.path.isfile(path) else glob.glob(f"{path}/*.json")
    found, device = {}, None
    for file in sorted(files):
        with open(file) as f:
            data = json.load(f)
        device = data["device"]
        for r in data["rows"]:
            found.setdefault((r["name"], r["batch"]), []).append(r["ms"])
    if not found:
        raise ValueError(f"no timings in {path}")
    return device, {k: statistics.median(v) for k, v in found.items()}


def fit_and_write(entries_path, times_path, out, size):
    with open(entries_path) as f:
        entries = json.load(f)
    device, times = load_times(times_path)
    timed = [e for e in entries if any(k[0] == e["name"] for k in times)]
    built = {e["name"]: build(e["arch"], e["widths"], size) for e in timed}
    feats = {n: features(m, size) for n, m in built.items()}
    macs = {n: sum(profile.count_macs(m, size).values()) for n, m in built.items()}
    full = entries[0]["name"]
    rows, tables = [], {}
    for batch in sorted({b for _, b in times}):
        fit = [
            e for e in timed if e.get("role") == "fit" and (e["name"], batch) in times
        ]
        runtime = f"keras {device} float32, batch {batch}"
        model = LatencyModel.fit(
            [feats[e["name"]] for e in fit],
            [times[(e["name"], batch)] for e in fit],
            size,
            runtime=runtime,
            machine=device,
        )
        tables[f"batch_{batch}"] = {**model.to_dict(), "fitted_on": len(fit)}
        for e in timed:
            key = (e["name"], batch)
            if e.get("role") in (None, "fit") or key not in times:
                continue
            predicted = model.predict_features(feats[e["name"]])
            rows.append(
                {
                    "name": e["name"],
                    "role": e["role"],
                    "batch": batch,
                    "measured_ms": round(times[key], 4),
                    "predicted_ms": round(predicted, 4),
                    "error": round(predicted / times[key] - 1, 4),
                    "mac_share": round(macs[e["name"]] / macs[full], 4),
                    "full_srnet_ms": round(times[(full, batch)], 4),
                }
            )
    os.makedirs(out, exist_ok=True)
    atomic.write_json(os.path.join(out, "rows.json"), rows)
    atomic.write_json(os.path.join(out, "table.json"), tables)
    return study.publish(out, readme)


def readme(folder):
    rows = study.load(folder)
    tables = study.load(folder, "table.json")
    lines = [
        study.header(COMMAND).rstrip("\n"),
        "",
        "# The latency model of Keras on JAX on a GPU (issue 28)",
        "",
        "SRNets at 256x256 of random widths, timed in true float32 on the lent",
        "GPU (`benchmarks/device/gpu_checks.sh`), one model per batch size fitted",
        "on the `fit` ones and checked on models it never saw: held-out random",
        "SRNets and the widths of the benchmark's slimmed rows (speed-up: full",
        "SRNet's time over the model's, measured).",
        "",
    ]
    for key, table in tables.items():
        batch = int(key.split("_")[1])
        mine = [r for r in rows if r["batch"] == batch]
        held = [abs(r["error"]) for r in mine if r["role"] == "held_out"]
        lines += [
            f"## Batch {batch}: {table['runtime']}",
            "",
            f"Fitted on {table['fitted_on']} models; held out: {len(held)}, median"
            f" absolute error {100 * statistics.median(held):.1f} %, worst"
            f" {100 * max(held):.1f} %."
            if held
            else "No held-out model timed.",
            "",
        ]
        body = [
            [
                r["name"],
                f"{100 * r['mac_share']:.1f} %",
                f"{r['measured_ms']:.3f}",
                f"{r['predicted_ms']:.3f}",
                f"{100 * r['error']:+.1f} %",
                f"{r['full_srnet_ms'] / r['measured_ms']:.2f}x",
            ]
            for r in mine
            if r["role"] == "slimmed"
        ]
        if body:
            head = ["slimmed row", "MACs", "ms", "predicted", "error", "speed-up"]
            lines += [markdown.table(head, body), ""]
    return "\n".join(lines) + "\n"
