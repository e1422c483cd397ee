"""The single-step binaries on a tiny model and the tiny demo data: train,
prune, fine-tune, run in this process as their commands would be."""

import json
import pathlib

import pytest

from keras_sasrnet import models, profile
from keras_sasrnet.data import demo, embed
from keras_sasrnet.models.io import save
from tests.binaries import run_binary
from tests.measure import accuracy_on

ROOT = pathlib.Path(__file__).parents[2]
TINY = f"--config={ROOT / 'configs' / 'tiny.py'}"


@pytest.mark.slow
def test_prune_then_finetune(tmp_path):
    covers = demo.demo_covers(str(tmp_path / "covers"), size=32, stride=96)
    stegos = str(tmp_path / "stegos")
    embed.embed_dataset(covers, stegos, "lsbm", 1.0, progress=False)
    # XuNet: the binaries' work is the same on any detector, SRNet's graph
    # costs 4x the time to trace (SRNet's slimming is tested in slimming/).
    model = models.build("xunet", 1 / 2, input_shape=(32, 32, 1), sparsity=1e-4)
    save(model, str(tmp_path / "m.keras"))
    out = tmp_path / "p50"
    result = run_binary(
        "sasrnet_prune",
        f"--model={tmp_path / 'm.keras'}",
        "--rate=0.5",
        f"--out={out}",
        f"--covers={covers}",
        f"--stegos={stegos}",
        "--round_to=2",
    )
    assert result.code == 0, result.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert result.printed_json() == metrics  # what it printed, it wrote
    pruned = models.load(str(out / "pruned.keras"))
    assert metrics["params_before"] == profile.count_params(model)[0]
    assert metrics["params_after"] == profile.count_params(pruned)[0]
    assert metrics["params_after"] < metrics["params_before"]
    assert metrics["macs_after"] < metrics["macs_before"]
    paths = {"before": tmp_path / "m.keras", "after": out / "pruned.keras"}
    for key, path in paths.items():
        assert metrics[f"accuracy_{key}"] == pytest.approx(
            accuracy_on(path, covers, stegos, "val"), abs=1e-9
        ), key
    plan = json.loads((out / "plan.json").read_text())
    assert all(len(v) % 2 == 0 or len(v) == 1 for v in plan["keep"].values())
    for name, keep in plan["keep"].items():
        assert pruned.get_layer(name).filters == len(keep), name

    work = tmp_path / "ft"
    result = run_binary(
        "sasrnet_finetune",
        TINY,
        f"--model={out / 'pruned.keras'}",
        f"--workdir={work}",
        f"--config.data.demo.dir={tmp_path / 'cache'}",
        "--config.report.latency_size=32",
    )
    assert result.code == 0, result.stderr[-2000:]
    tuned = models.load(str(work / "model.keras"))
    assert profile.count_params(tuned)[0] == metrics["params_after"]
    done = json.loads((work / "finetune" / "done.json").read_text())
    assert done["params"] == metrics["params_after"]
    history = (work / "finetune" / "train" / "history.csv").read_text()
    assert len(history.strip().splitlines()) == 1 + 1  # 2 steps: one epoch of 2


@pytest.mark.slow
def test_train_writes_the_baseline_and_resumes(tmp_path):
    work = tmp_path / "train"
    args = (
        TINY,
        f"--workdir={work}",
        f"--config.data.demo.dir={tmp_path / 'cache'}",
        "--config.model.arch=xunet",
        "--config.baseline.steps=4",  # two epochs of 2
    )
    result = run_binary("sasrnet_train", *args)
    assert result.code == 0, result.stderr[-2000:]
    done = json.loads((work / "baseline" / "done.json").read_text())
    assert result.printed_json()["test_accuracy"] == done["test_accuracy"]
    state = json.loads((work / "baseline" / "train" / "state.json").read_text())
    assert state["epoch"] == 2 and len(state["history"]) == 2
    best = work / "baseline" / "best.keras"
    assert models.load(str(best)).name == "xunet"
    assert models.io.read_metadata(str(best))["domain"] == "spatial"
    config = json.loads((work / "config.json").read_text())
    assert config["model"]["arch"] == "xunet" and config["baseline"]["steps"] == 4
    covers, stegos = demo.resolve(_config(tmp_path), lambda *_: None)
    assert done["val_accuracy"] == pytest.approx(
        accuracy_on(best, covers, stegos, "val"), abs=1e-9
    )
    stamp = best.stat().st_mtime_ns
    again = run_binary("sasrnet_train", *args)  # done: nothing trained again
    assert again.code == 0, again.stderr[-2000:]
    assert again.printed_json() == result.printed_json()
    assert best.stat().st_mtime_ns == stamp


def _config(tmp_path):
    from configs import tiny

    c = tiny.get_config()
    c.data.demo.dir = str(tmp_path / "cache")
    return c
