import json

import pytest

from tests.binaries import run_binary


def run(*args):
    return run_binary("sasrnet_bench_latency", *args)


@pytest.mark.slow
def test_latency_table_per_format(tmp_path):
    result = run(
        "--arch=xunet",
        "--input_size=32",
        "--prune_rates=0.5",
        "--modes=float32,int8",
        "--repeats=2",
        f"--out={tmp_path}",
    )
    assert result.code == 0, result.stderr[-2000:]
    rows = json.loads((tmp_path / "latency.json").read_text())
    assert [r["name"] for r in rows] == ["xunet (full)", "slimmed 50%"]
    assert rows[0]["params"] == 14_906 and rows[1]["params"] < rows[0]["params"]
    for row in rows:
        assert set(row["formats"]) == {"keras", "tflite float32", "tflite int8"}
        for figures in row["formats"].values():
            assert figures["ms"] > 0 and figures["bytes"] > 1000
        f32, i8 = row["formats"]["tflite float32"], row["formats"]["tflite int8"]
        assert i8["weight_bytes"] < f32["weight_bytes"]
    table = (tmp_path / "latency.md").read_text()
    assert "| slimmed 50% |" in table and "tflite int8 ms" in table


def test_unknown_mode_is_one_line(tmp_path):
    result = run("--modes=int4", f"--out={tmp_path}")
    assert result.code == 2
    assert "error: --modes: 'int4' is not one of" in result.stderr
