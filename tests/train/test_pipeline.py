"""The tiny schedule end to end: 2 rounds, an interruption, a rerun."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from configs import demo as demo_config
from keras_sasrnet import models
from keras_sasrnet.data import demo
from keras_sasrnet.train import pipeline, run
from keras_sasrnet.train.config import validate
from tests.binaries import run_binary
from tests.conftest import hand_latency_table
from tests.measure import accuracy_on

ROOT = pathlib.Path(__file__).parents[2]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("demo-cache"))


def xunet_config(cache):
    """The tiny schedule on XuNet: the same stages and files as on SRNet
    (which the rest of the suite slims), traced 4x faster."""
    c = demo_config.get_config("tiny")
    c.data.demo.dir = cache
    c.model.arch = "xunet"
    c.model.width_scale = 0.5  # 4..64 channels: both rounds can narrow each
    c.sparsity.method = "prox_sgd"  # its stage must train with its optimizer
    return c


@pytest.mark.slow
def test_killed_schedule_resumes_to_what_a_clean_run_gives(tmp_path, cache):
    """kill -9 in round 2, a resume that redoes nothing finished, and the same
    Table 5, plan and scores as an uninterrupted run with the same seed."""
    work = tmp_path / "work"
    c = xunet_config(cache)
    command = [
        sys.executable,
        "-m",
        "keras_sasrnet.bin.sasrnet_slim",
        "--config=configs/demo.py:tiny",
        f"--workdir={work}",
        f"--config.data.demo.dir={cache}",
        f"--config.model.arch={c.model.arch}",
        f"--config.model.width_scale={c.model.width_scale}",
        f"--config.sparsity.method={c.sparsity.method}",
    ]
    log = tmp_path / "killed.log"
    with open(log, "wb") as err:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
        done = work / "round_1" / "done.json"
        # No deadline to meet: the loop ends when round 1 is done (or the run
        # ended), however slow the machine; the assertions say which.
        while not done.exists() and process.poll() is None:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # kill -9 in the middle of round 2
        process.wait()
    assert done.exists(), log.read_text()[-3000:]
    assert not (work / "round_2" / "done.json").exists(), "round 2 was not cut"
    stamp = os.stat(work / "round_1" / "model.keras").st_mtime_ns

    lines = []
    rows = pipeline.run_slimming(c, str(work), log=lines.append)
    assert "baseline: done already" in lines and "round_1: done already" in lines
    assert "== round_2" in lines
    assert os.stat(work / "round_1" / "model.keras").st_mtime_ns == stamp
    config = json.loads((work / "config.json").read_text())
    assert config["precision"] == "float32"  # recorded with the run
    assert config["prune"]["rounds"] == 2 and config["model"]["arch"] == "xunet"

    # The same seed without the kill: the same plans and metrics (three seed-0
    # runs once gave three plans: weights started unseeded).
    clean = tmp_path / "clean"
    clean_rows = pipeline.run_slimming(c, str(clean), log=lambda *_: None)

    def results(rows, folder):
        plans = [
            json.loads((folder / f"round_{k}" / "plan.json").read_text())["keep"]
            for k in (1, 2)
        ]
        figures = [
            {m: v for m, v in r.items() if m.startswith(("val", "test", "p_"))}
            for r in rows
        ]
        return plans, figures

    assert results(rows, work) == results(clean_rows, clean)

    # The result: Table 5 rows, files per round, narrower models.
    assert [r["name"] for r in rows] == [
        "baseline",
        "sparsity-trained",
        "SASRNet round 1",
        "SASRNet round 2",
    ]
    assert [r["rate"] for r in rows] == pytest.approx([0, 0, 0.25, 0.5])
    assert rows[1]["params"] == rows[0]["params"]
    assert rows[0]["params"] > rows[2]["params"] > rows[3]["params"]
    assert rows[0]["macs"] > rows[2]["macs"] > rows[3]["macs"]
    covers, stegos = demo.resolve(c, lambda *_: None)
    for k in (1, 2):
        folder = work / f"round_{k}"
        for name in ("plan.json", "pruned.keras", "model.keras", "config.json"):
            assert (folder / name).exists(), (k, name)
        recorded = json.loads((folder / "done.json").read_text())["val_accuracy"]
        measured = accuracy_on(folder / "model.keras", covers, stegos, "val")
        assert recorded == pytest.approx(measured, abs=1e-9), k
    plan = json.loads((work / "round_2" / "plan.json").read_text())
    model = models.load(str(work / "round_2" / "model.keras"))
    assert model.get_layer("g5_conv").filters == len(plan["keep"]["g5_conv"])
    table = (work / "table5.md").read_text()
    assert table.startswith("| model | pruned | test accuracy |")
    assert "| SASRNet round 2 | 50% |" in table
    assert "val right after pruning | at zero |" in table
    # The fraction of channels at zero, counted here: every XuNet BN is a
    # group of its own, scored by |gamma|.
    sparse = models.load(str(work / "sparse" / "model.keras"))
    gammas = np.concatenate(
        [
            np.abs(layer.gamma.numpy())
            for layer in sparse.layers
            if isinstance(layer, keras.layers.BatchNormalization)
        ]
    )
    expected = float(np.mean(gammas <= c.prune.zero_threshold))
    # Each stage trained with its own optimizer (saved with the model).
    optimizers = {
        stage: type(models.load(str(work / path), compile=True).optimizer).__name__
        for stage, path in (
            ("baseline", "baseline/best.keras"),
            ("sparse", "sparse/model.keras"),
            ("round_1", "round_1/model.keras"),
        )
    }
    assert optimizers == {
        "baseline": "ProximalAdamax",
        "sparse": "ProximalSGD",
        "round_1": "ProximalAdamax",
    }
    assert rows[1]["zero_fraction"] == pytest.approx(expected)
    report = (work / "report.md").read_text()
    assert report.index("## Table 5") < report.index("![")
    figures = [
        "roc.png",
        "training_baseline.png",
        "training_sparse.png",
        "training_round_1.png",
        "training_round_2.png",
        "gamma.png",
        "rate.png",
    ]
    for name in figures:
        assert f"](figures/{name})" in report
        assert (work / "figures" / name).stat().st_size > 5_000
    # The test figures of the last round, from its own scores of the test set.
    with np.load(work / "round_2" / "test_scores.npz") as saved:
        labels, scores = saved["labels"], saved["scores"]
    assert rows[3]["test_auc"] == pytest.approx(roc_auc_score(labels, scores))
    assert rows[3]["test_accuracy"] == pytest.approx(
        accuracy_on(work / "round_2" / "model.keras", covers, stegos, "test")
    )
    assert rows[3]["test_min_pe"] <= rows[3]["test_pe"]

    # A third run finds everything done and trains nothing.
    lines.clear()
    again = pipeline.run_slimming(c, str(work), log=lines.append)
    assert not any(line.startswith("==") for line in lines)

    def untimed(table):  # latency is timed anew, every model in turns
        return [{k: v for k, v in row.items() if k != "latency_ms"} for row in table]

    assert untimed(again) == untimed(rows)
    assert all(row["latency_ms"] > 0 for row in again)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "prune.target",
            1.0,
            r"prune.target must be in \[0, 1\); received 1.0",
        ),
        ("sparsity.alpha", -1e-4, "sparsity.alpha must be >= 0; received -0.0001"),
        ("distribute.strategy", "tpu", "distribute.strategy must be one of"),
        ("model.arch", "resnet", "model.arch must be one of"),
        ("sparsity.method", "l0", "sparsity.method must be one of"),
        (
            "sparsity.method",
            "prox_latency",
            "sparsity.method='prox_latency' needs latency.table",
        ),
        (
            "prune.select",
            "latency",
            "prune.select='latency' needs latency.table",
        ),
        ("sparsity.lr", -1.0, "sparsity.lr must be > 0"),
        ("prune.importance", "taylor", "prune.importance must be one of"),
        ("prune.aggregate", "bogus", "prune.aggregate must be one of"),
        ("prune.select", "all", "prune.select must be one of"),
        ("prune.zero_threshold", -0.1, "prune.zero_threshold must be >= 0"),
        ("prune.importance", "l1_norm", None),  # fine with select="rate"
    ],
)
def test_impossible_values_are_rejected(field, value, message):
    c = demo_config.get_config("tiny")
    section, key = field.split(".")
    c[section][key] = value
    if message is None:
        validate(c)
        c.prune.select = "zeros"
        message = "prune.select='zeros' .* needs prune.importance='gamma'"
    with pytest.raises(ValueError, match=message):
        validate(c)


def test_missing_data_directory_is_rejected():
    c = demo_config.get_config("tiny")
    c.data.demo.use = False
    c.data.covers = "/no/such/covers"
    c.data.stegos = "/no/such/stegos"
    with pytest.raises(
        ValueError, match="data.covers: no such directory /no/such/covers"
    ):
        validate(c)


def test_binary_stops_before_any_work(tmp_path):
    work = tmp_path / "never"
    result = run_binary(
        "sasrnet_slim",
        f"--config={ROOT / 'configs' / 'demo.py'}:tiny",
        f"--workdir={work}",
        "--config.prune.target=1.5",
    )
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        "error: prune.target must be in [0, 1); received 1.5"
    ]
    assert not work.exists()


def test_run_leaves_out_covers_without_stego_or_stops_when_strict(tmp_path, cache):
    # The tiny demo data, then a stego set missing two covers of one split.
    from keras_sasrnet.data.manifest import Manifest

    c = demo_config.get_config("tiny")
    c.data.demo.dir = cache
    covers, stegos = demo.resolve(c, lambda *_: None)
    partial = Manifest.load(stegos)
    dropped = [f for f in partial.files if f["split"] == "val"][:2]
    partial.files = [f for f in partial.files if f not in dropped]
    partial.skipped = {dropped[0]["name"]: "no non-zero AC coefficient"}
    fewer = tmp_path / "stegos"
    fewer.mkdir()
    for f in partial.files:
        os.symlink(os.path.join(stegos, f["name"]), fewer / f["name"])
    partial.save(str(fewer))
    c.data.demo.use, c.data.covers, c.data.stegos = False, covers, str(fewer)
    lines = []
    r = run.Run(c, str(tmp_path / "work"), lines.append)
    n_val = len(Manifest.load(covers).names("val"))
    assert sum(len(y) for _, y in r.val) == 2 * (n_val - 2)
    assert lines == [
        f"split 'val': 2 of {n_val} covers have no stego in {fewer} (1 skipped: "
        f"cannot carry the payload; 0 failed; 1 not embedded), e.g. "
        f"{dropped[0]['name']}, {dropped[1]['name']} - left out"
    ]
    saved = json.loads((tmp_path / "work" / "unpaired.json").read_text())
    assert saved == {"val": [f["name"] for f in dropped]}
    c.data.strict_pairs = True
    with pytest.raises(ValueError, match="data.strict_pairs.*split 'val': 2 of"):
        run.Run(c, str(tmp_path / "work2"), lines.append)


def test_stage_seconds_add_up_over_a_resume(tmp_path):
    # A clock of our own: the test checks the bookkeeping, not the timing.
    path = str(tmp_path / "seconds.json")
    now = [100.0]
    watch = run.Stopwatch(path, every=0.01, clock=lambda: now[0])
    watch.__enter__()
    now[0] = 107.0
    deadline = time.time() + 600  # ends when the tick lands; not a timing check
    while time.time() < deadline and not (
        os.path.exists(path) and json.loads(open(path).read())["seconds"] == 7.0
    ):
        time.sleep(0.01)  # the background tick saves the running total
    watch._stop.set()  # then killed: no __exit__, the last tick stays on disk
    watch._thread.join()
    assert json.loads(open(path).read())["seconds"] == 7.0
    now[0] = 500.0
    with run.Stopwatch(path, every=3600, clock=lambda: now[0]) as again:
        now[0] = 503.0
    assert again.total() == 10.0
    assert json.loads(open(path).read())["seconds"] == 10.0


@pytest.mark.slow
def test_latency_schedule_meets_each_rounds_budget(tmp_path, cache):
    """prune.select="latency" with a latency-weighted sparsity method: each
    round cuts the baseline's predicted latency by its share of the target."""
    table = hand_latency_table()
    path = tmp_path / "table.json"
    path.write_text(json.dumps(table.to_dict()))
    c = xunet_config(cache)
    c.latency.table = str(path)
    c.sparsity.method = "gprox_latency"
    c.prune.select = "latency"  # target 0.5 over 2 rounds: 25 %, then 50 %
    work = tmp_path / "work"
    rows = pipeline.run_slimming(c, str(work), log=lambda *_: None)
    baseline = table.predict(models.load(str(work / "baseline" / "best.keras")))
    for k, cut in ((1, 0.25), (2, 0.5)):
        plan = json.loads((work / f"round_{k}" / "plan.json").read_text())
        assert plan["select"] == "latency"
        assert plan["budget_ms"] == pytest.approx((1 - cut) * baseline)
        pruned = models.load(str(work / f"round_{k}" / "pruned.keras"))
        assert table.predict(pruned) == pytest.approx(plan["predicted_ms"])
        assert plan["predicted_ms"] <= plan["budget_ms"]
    assert rows[0]["macs"] > rows[2]["macs"] > rows[3]["macs"]
    sparse = models.load(str(work / "sparse" / "model.keras"))
    reg = sparse.get_layer("g1_bn").gamma_regularizer
    assert reg.weights is not None and reg.group is None  # XuNet: no ties
