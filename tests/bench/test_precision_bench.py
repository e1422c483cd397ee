"""benchmarks/precision/run.py keeps working: a tiny budget on CPU."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_precision_benchmark_runs_and_writes_rows(tmp_path):
    rng = np.random.default_rng(0)
    data = {}
    for split, n in (("train", 6), ("val", 4)):
        cover = rng.integers(1, 255, (n, 16, 16), dtype=np.uint8)
        data[f"{split}_cover"] = cover
        data[f"{split}_stego"] = (cover + rng.choice([-1, 1], cover.shape)).astype(
            np.uint8
        )
    np.savez(tmp_path / "d.npz", **data)
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.precision.run",
            f"--data={tmp_path / 'd.npz'}",
            "--steps=4",
            "--eval_every=2",
            "--pairs=2",
            "--width=0.0625",
            "--modes=float32,mixed_bfloat16",
            f"--out={out}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads((out / "rows.json").read_text())
    assert [r["precision"] for r in rows] == ["float32", "mixed_bfloat16"]
    for r in rows:
        assert [s for s, _ in r["curve"]] == [2, 4]
        # accuracy over the 4 validation pairs: a count of 8 images, 0 to 8
        for _, accuracy in r["curve"]:
            hits = accuracy * 8
            assert 0 <= hits <= 8 and hits == pytest.approx(round(hits)), accuracy
        assert r["device"] == "cpu" and r["backend"] == "tensorflow"
        assert "--steps=4" in r["command"] and "--out" not in r["command"]
    text = (out / "README.md").read_text()
    assert "| cpu | tensorflow | 0.0625 | he_normal | mixed_bfloat16 | 4 |" in text
    assert text.startswith("> Generated from the rows by `python -m benchmarks.")
    made_by = "- `KERAS_BACKEND=tensorflow python -m benchmarks.precision.run --data="
    assert made_by in text
