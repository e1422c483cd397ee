"""The GPU latency study's fit and report, on timings of a known cost."""

import json

import numpy as np

from benchmarks.latency import gpu_report
from benchmarks.latency.widths import build, random_widths
from keras_sasrnet import models
from keras_sasrnet.latency import LatencyModel, features

SIZE = (32, 32)


def test_the_fit_recovers_known_costs_and_the_report_lists_the_slimmed(tmp_path):
    rng = np.random.default_rng(0)
    small = models.srnet_widths(0.125)
    entries = [{"name": "srnet (full)", "arch": "srnet", "widths": small}]
    for k, role in enumerate(["fit"] * 16 + ["held_out"] * 3 + ["slimmed"]):
        widths = random_widths(rng, small)
        entries.append(
            {"name": f"m{k}", "arch": "srnet", "role": role, "widths": widths}
        )
    truth = LatencyModel("t", "m", SIZE, {"macs@32": 0.02, "act@16": 0.3}, 0.5)
    shards = []
    for k in range(2):  # full SRNet in both shards: its median is used
        rows = [
            {
                "name": e["name"],
                "batch": b,
                "ms": b * truth.predict(build("srnet", e["widths"], SIZE))
                + (0.01 * k if i == 0 else 0),
            }
            for i, e in enumerate(entries)
            if i == 0 or i % 2 == k
            for b in (1, 4)
        ]
        shards.append({"device": "Fake GPU", "rows": rows})
    times = tmp_path / "times"
    times.mkdir()
    for k, s in enumerate(shards):
        (times / f"shard_{k}.json").write_text(json.dumps(s))
    (tmp_path / "entries.json").write_text(json.dumps(entries))
    out = tmp_path / "out"
    text = gpu_report.fit_and_write(
        str(tmp_path / "entries.json"), str(times), str(out), SIZE
    )
    rows = json.loads((out / "rows.json").read_text())
    assert {(r["role"], r["batch"]) for r in rows} == {
        (role, b) for role in ("held_out", "slimmed") for b in (1, 4)
    }
    assert len(rows) == 8
    for r in rows:
        assert abs(r["error"]) < 0.05, r
        assert r["error"] == round(r["predicted_ms"] / r["measured_ms"] - 1, 4)
    full = features(build("srnet", small, SIZE), SIZE)
    assert rows[0]["full_srnet_ms"] == round(truth.predict_features(full) + 0.005, 4)
    assert "## Batch 4: keras Fake GPU float32, batch 4" in text
    assert "| m19 |" in text
    assert text == gpu_report.readme(str(out))
