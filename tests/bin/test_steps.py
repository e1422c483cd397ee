"""The single-step binaries on a tiny model and the tiny demo data."""

import json
import pathlib
import subprocess
import sys

import pytest

from keras_sasrnet import models
from keras_sasrnet.data import demo, embed
from keras_sasrnet.models.io import save

ROOT = pathlib.Path(__file__).parents[2]


@pytest.mark.slow
def test_prune_then_finetune(tmp_path):
    covers = demo.demo_covers(str(tmp_path / "covers"), size=32, stride=96)
    stegos = str(tmp_path / "stegos")
    embed.embed_dataset(covers, stegos, "lsbm", 1.0, progress=False)
    model = models.build("srnet", 1 / 8, input_shape=(32, 32, 1), sparsity=1e-4)
    save(model, str(tmp_path / "m.keras"))
    out = tmp_path / "p50"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_sasrnet.bin.sasrnet_prune",
            f"--model={tmp_path / 'm.keras'}",
            "--rate=0.5",
            f"--out={out}",
            f"--covers={covers}",
            f"--stegos={stegos}",
            "--round_to=2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["params_after"] < metrics["params_before"]
    assert metrics["macs_after"] < metrics["macs_before"]
    assert 0 <= metrics["accuracy_after"] <= 1
    plan = json.loads((out / "plan.json").read_text())
    assert all(len(v) % 2 == 0 or len(v) == 1 for v in plan["keep"].values())

    work = tmp_path / "ft"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_sasrnet.bin.sasrnet_finetune",
            "--config=configs/tiny.py",
            f"--model={out / 'pruned.keras'}",
            f"--workdir={work}",
            f"--config.data.demo.dir={tmp_path / 'cache'}",
            "--config.report.latency_size=32",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    tuned = models.load(str(work / "model.keras"))
    assert profile_params(tuned) == metrics["params_after"]
    assert (
        json.loads((work / "finetune" / "done.json").read_text())["params"]
        == (metrics["params_after"])
    )


def profile_params(model):
    from keras_sasrnet import profile

    return profile.count_params(model)[0]
