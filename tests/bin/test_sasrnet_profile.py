import json
import subprocess
import sys

MODULE = "keras_sasrnet.bin.sasrnet_profile"


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", MODULE, *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


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
