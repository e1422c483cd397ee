import json

import numpy as np

from keras_sasrnet import models
from tests.binaries import run_binary


def run(*args):
    return run_binary("sasrnet_profile", *args)


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
    assert result.code == 0, result.stderr
    assert "| srnet (full) |" in result.stdout and "| pruned 50% (" in result.stdout
    rows = json.loads(out.read_text())
    assert len(rows) == 2
    full = models.build("srnet", 0.125, input_shape=(32, 32, 1))
    assert rows[0]["trainable"] == sum(
        int(np.prod(w.shape)) for w in full.trainable_weights
    )
    assert 0 < rows[1]["trainable"] < rows[0]["trainable"]
    assert rows[1]["macs"] < rows[0]["macs"]
