import json
import subprocess
import sys

import pytest

MODULE = "keras_sasrnet.bin.sasrnet_profile"


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", MODULE, *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_bad_values_give_one_line_errors(tmp_path):
    for args, message in [
        (
            ["--prune_rates=0.4,1.2"],
            "error: prune rate must be in [0, 1); received 1.2",
        ),
        (["--prune_rates=a"], "error: --prune_rates takes numbers; received a"),
        (["--model", str(tmp_path / "none.keras")], "error: no model file at"),
        (["--width_scale=-1"], "error: width scale must be > 0; received -1.0"),
        (["--input_size=0"], "flag --input_size=0: 0 is not a positive integer"),
    ]:
        result = run(*args)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr, args
        assert message in result.stderr.strip().splitlines()[0], (args, result.stderr)


def test_profiles_slimmed_copies(tmp_path):
    out = tmp_path / "profile.json"
    result = run(
        "--arch=srnet",
        "--width_scale=0.125",
        "--input_size=32",
        "--prune_rates=0.5",
        "--batch_sizes=1",
        "--repeats=1",
        f"--json_out={out}",
    )
    assert result.returncode == 0, result.stderr
    assert "| srnet (full) |" in result.stdout and "| pruned 50% (" in result.stdout
    rows = json.loads(out.read_text())
    assert len(rows) == 2
    assert rows[1]["trainable"] < rows[0]["trainable"]
    assert rows[1]["macs"] < rows[0]["macs"]
