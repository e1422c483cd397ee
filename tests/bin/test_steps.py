"""The single-step binaries in sequence on the tiny demo data: train, prune,
fine-tune, run in this process as their commands would be.

XuNet: the binaries' work is the same on any detector, and SRNet's graph
costs 4x the time to trace (SRNet's slimming is tested in slimming/).
"""

import json
import pathlib

import pytest

from configs import demo as demo_config
from keras_sasrnet import models, profile
from keras_sasrnet.data import demo
from tests.binaries import run_binary
from tests.conftest import hand_latency_table
from tests.measure import accuracy_on

ROOT = pathlib.Path(__file__).parents[2]


@pytest.mark.slow
def test_train_then_prune_then_finetune(tmp_path):
    cache = tmp_path / "cache"
    config = (
        f"--config={ROOT / 'configs' / 'demo.py'}:tiny",
        f"--config.data.demo.dir={cache}",
        "--config.model.arch=xunet",
        "--config.model.width_scale=0.5",
    )
    c = demo_config.get_config("tiny")
    c.data.demo.dir = str(cache)
    covers, stegos = demo.resolve(c, lambda *_: None)

    # sasrnet_train: the baseline stage alone, resumable.
    work = tmp_path / "train"
    args = (*config, f"--workdir={work}", "--config.baseline.steps=4")
    result = run_binary("sasrnet_train", *args)
    assert result.code == 0, result.stderr[-2000:]
    done = json.loads((work / "baseline" / "done.json").read_text())
    assert result.printed_json()["test_accuracy"] == done["test_accuracy"]
    state = json.loads((work / "baseline" / "train" / "state.json").read_text())
    assert state["epoch"] == 2 and len(state["history"]) == 2  # 4 steps of 2
    best = work / "baseline" / "best.keras"
    assert models.load(str(best)).name == "xunet"
    assert models.io.read_metadata(str(best))["domain"] == "spatial"
    saved = json.loads((work / "config.json").read_text())
    assert saved["model"]["arch"] == "xunet" and saved["baseline"]["steps"] == 4
    assert done["val_accuracy"] == pytest.approx(
        accuracy_on(best, covers, stegos, "val"), abs=1e-9
    )
    stamp = best.stat().st_mtime_ns
    again = run_binary("sasrnet_train", *args)  # done: nothing trained again
    assert again.code == 0, again.stderr[-2000:]
    assert again.printed_json() == result.printed_json()
    assert best.stat().st_mtime_ns == stamp

    # sasrnet_prune of the trained model (an untrained one scores exactly
    # 50 % on pairs, before and after: a cover and its stego get one answer).
    out = tmp_path / "p50"
    result = run_binary(
        "sasrnet_prune",
        f"--model={best}",
        "--rate=0.5",
        f"--out={out}",
        f"--covers={covers}",
        f"--stegos={stegos}",
        "--round_to=2",
        "--split=test",  # the larger split: accuracies other than 50 %
    )
    assert result.code == 0, result.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert result.printed_json() == metrics  # what it printed, it wrote
    pruned = models.load(str(out / "pruned.keras"))
    assert metrics["params_before"] == profile.count_params(models.load(str(best)))[0]
    assert metrics["params_after"] == profile.count_params(pruned)[0]
    assert metrics["params_after"] < metrics["params_before"]
    assert metrics["macs_after"] < metrics["macs_before"]
    for key, path in (("before", best), ("after", out / "pruned.keras")):
        assert metrics[f"accuracy_{key}"] == pytest.approx(
            accuracy_on(path, covers, stegos, "test"), abs=1e-9
        ), key
    plan = json.loads((out / "plan.json").read_text())
    assert all(len(v) % 2 == 0 or len(v) == 1 for v in plan["keep"].values())
    for name, keep in plan["keep"].items():
        assert pruned.get_layer(name).filters == len(keep), name

    # ... or to a latency budget under a latency model (a hand-made one).
    table = hand_latency_table()
    (tmp_path / "table.json").write_text(json.dumps(table.to_dict()))
    fast = tmp_path / "p_latency"
    result = run_binary(
        "sasrnet_prune",
        f"--model={best}",
        f"--out={fast}",
        f"--latency_table={tmp_path / 'table.json'}",
        "--latency_budget=0.6",
    )
    assert result.code == 0, result.stderr[-2000:]
    cut = result.printed_json()
    full_ms = table.predict(models.load(str(best)))
    assert cut["budget_ms"] == pytest.approx(0.6 * full_ms)
    slim = models.load(str(fast / "pruned.keras"))
    assert table.predict(slim) == pytest.approx(cut["predicted_ms"])
    assert cut["predicted_ms"] <= cut["budget_ms"]
    result = run_binary(
        "sasrnet_prune",
        f"--model={best}",
        f"--out={tmp_path / 'x'}",
        "--latency_budget=0.6",
    )
    assert result.code == 2 and "go together" in result.stderr
    assert not (tmp_path / "x").exists()

    # sasrnet_finetune of the pruned model with the config's recipe.
    tuned_dir = tmp_path / "ft"
    result = run_binary(
        "sasrnet_finetune",
        *config,
        f"--model={out / 'pruned.keras'}",
        f"--workdir={tuned_dir}",
    )
    assert result.code == 0, result.stderr[-2000:]
    tuned = models.load(str(tuned_dir / "model.keras"))
    assert profile.count_params(tuned)[0] == metrics["params_after"]
    done = json.loads((tuned_dir / "finetune" / "done.json").read_text())
    assert done["params"] == metrics["params_after"]
    history = (tuned_dir / "finetune" / "train" / "history.csv").read_text()
    assert len(history.strip().splitlines()) == 1 + 1  # 2 steps: one epoch of 2
