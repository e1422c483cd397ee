"""The benchmark: rows over seeds, targets, verdicts, and a tiny run end to end."""

import json
import pathlib

import numpy as np
import pytest

from benchmarks import harness as bench
from benchmarks.harness import bench_report, benchmark, budgets, seeds, tasks
from configs import bench_cpu
from keras_sasrnet.data import pairs
from keras_sasrnet.evaluation.metrics import stego_probability

METHOD = "gprox_cost:1e-2"
# the tiny bench prunes to a latency budget
TINY = bench_cpu.get_config("tiny").bench.methods[0]


def fake(accuracy, params, macs=1e9, val=None):
    return {
        "test_accuracy": accuracy,
        "val_accuracy": accuracy + 0.05 if val is None else val,
        "params": params,
        "macs": macs,
    }


def task(per_seed, full=0.80, xunet=0.75, costs=None):
    return {
        "task": "lsbm",
        "seeds": list(range(len(per_seed))),
        "test_photos": 10,
        "full": {"srnet": fake(full, 1000, 1e10), "xunet": fake(xunet, 50, 1e8)},
        "per_seed": per_seed,
        "costs": costs or {},
        "photos": {},
    }


def test_rows_mean_and_std_over_seeds():
    t = task(
        [
            {(METHOD, 0.8): fake(0.79, 20, val=0.7), ("l1", 0.8): fake(0.70, 20)},
            {(METHOD, 0.8): fake(0.81, 22, val=0.9), ("l1", 0.8): fake(0.70, 21)},
            {(METHOD, 0.8): fake(0.83, 24, val=0.8), ("l1", 0.8): fake(0.70, 22)},
        ]
    )
    rows = bench.rows(t)
    assert [(r["method"], r["rate"]) for r in rows] == [
        ("full", 0.0),
        ("xunet", 0.0),
        (METHOD, 0.8),
        ("l1", 0.8),
    ]
    slim = rows[2]
    assert slim["test_mean"] == pytest.approx(0.81)
    assert slim["test_std"] == pytest.approx(0.02)  # sample std of .79 .81 .83
    assert slim["val_mean"] == pytest.approx(0.8)
    assert slim["params"] == 20  # costs: the first seed's
    assert rows[0]["test_std"] == 0  # trained once
    assert "SASRNet, group-lasso proximal, MAC-weighted" in slim["label"]
    text = bench.table(rows)
    assert "81.00 ± 2.00 %" in text and "| 2.00 %" not in text


def test_summary_has_the_issue_format():
    costs = {("full", 0.0): {"litert_ms": 60.0}, (METHOD, 0.8): {"litert_ms": 10.0}}
    t = task([{(METHOD, 0.8): fake(0.79, 20)}], costs=costs)
    s = bench.summary([t])["tasks"]["lsbm"]
    assert s["srnet_full_test"] == 0.80 and s["xunet_full_test"] == 0.75
    assert s["test_photos"] == 10 and s["seeds"] == [0]
    assert [r["method"] for r in s["rows"]] == ["full", "xunet", METHOD]
    assert s["rows"][1]["test_mean"] == 0.75  # XuNet's row, beside full SRNet's
    assert set(s["rows"][2]) == {
        "method",
        "rate",
        "test_mean",
        "test_std",
        "val_mean",
        "params",
        "macs",
        "litert_ms",
        "litert_int8_ms",
    }
    assert s["rows"][2]["litert_ms"] == 10.0
    assert s["rows"][2]["litert_int8_ms"] is None  # not measured in this task


def test_targets_say_met_and_missed_with_the_figures():
    costs = {("full", 0.0): {"litert_ms": 60.0}, (METHOD, 0.8): {"litert_ms": 15.0}}
    # 2 % of the params, 0.4 pp below, 5 % of the MACs, 4x faster: all met
    good = task([{(METHOD, 0.8): fake(0.796, 20, 5e8)}], costs=costs)
    text = bench.targets(bench.rows(good))
    assert text.count("met.") == 4 and "missed" not in text
    assert "2.00 % of the params" in text and "4.00x in LiteRT" in text
    # XuNet ahead, 1.5 pp below the full model: every target missed
    bad = task([{(METHOD, 0.8): fake(0.785, 30, 5e8)}], xunet=0.9, costs=costs)
    text = bench.targets(bench.rows(bad))
    assert "met." not in text and text.count("missed") == 4
    assert "-10.00 pp): missed" in text and "1.50 pp below full SRNet" in text
    assert "no pruned row is within 1 pp" in text
    # above the full model: said so, not as a negative gap below it
    up = task([{(METHOD, 0.8): fake(0.81, 20, 5e8)}], costs=costs)
    assert "1.00 pp above full SRNet" in bench.targets(bench.rows(up))


def test_time_target():
    assert bench_report.time_target(179).endswith(": met.")
    assert "missed by 52 min" in bench_report.time_target(232)


def test_beats_only_beyond_the_seed_spread():
    per_seed = [
        {
            (METHOD, 0.8): fake(a, 20),
            ("l1", 0.8): fake(b, 20),
            ("uniform", 0.8): fake(u, 20),
        }
        for a, b, u in ((0.80, 0.70, 0.79), (0.82, 0.71, 0.83))
    ]
    text = bench.verdicts(bench.rows(task(per_seed)))
    assert "beats L1-norm filter pruning: +10.50 pp" in text
    assert "ties uniformly thinner, from scratch: +0.00 pp" in text


@pytest.mark.parametrize("arg", [None, "tiny"])
def test_the_shipped_bench_configs_pass_the_check(arg):
    bench.check(bench_cpu.get_config(arg))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("seeds", (0, 0), "distinct"),
        ("rates", (0.0,), "rate 0"),
        ("rates", (1.2,), "prune rate"),
        ("tasks", ("wow",), "bench.tasks"),
        ("methods", ("prox",), "method:alpha"),
        ("methods", ("lasso:1e-2",), "method:alpha"),
        ("methods", ("prox:-1",), "must be > 0"),
        ("methods", ("gprox_latency:1e-2/cheapest",), "plan order"),
        ("baseline_rates", (0.4,), "not in bench.rates"),
        ("baselines", ("magnitude",), "bench.baselines"),
        ("source", "boss", "bench.source"),
        ("payload", 1.5, "bench.payload"),
        ("baseline_budget", "long", "bench.baseline_budget"),
        ("photo_side", 32, "bench.photo_side"),
    ],
)
def test_impossible_bench_values(field, value, message):
    c = bench_cpu.get_config("tiny")
    c.bench[field] = value
    with pytest.raises(ValueError, match=message):
        bench.check(c)


def test_a_plan_order_suffix_names_its_own_rows_and_label():
    from benchmarks.harness import seeds
    from benchmarks.harness.rows import label

    c = bench_cpu.get_config("tiny")
    c.bench.methods = ("gprox_latency:1e-2", "gprox_latency:1e-2/score")
    bench.check(c)
    assert bench.parse_method("gprox_latency:1e-2/score") == ("gprox_latency", 0.01)
    assert seeds.stage_folder("gprox_latency:1e-2/score", 0.7) == (
        "gprox_latency_1e-2_score_0.7"
    )
    assert label("gprox_latency:1e-2/score").endswith(
        "latency-weighted, |gamma| order (gprox_latency, alpha 0.01)"
    )
    assert "order" not in label("gprox_latency:1e-2")


def test_baseline_budgets():
    c = bench_cpu.get_config("tiny")
    c.baseline.steps, c.sparsity.steps, c.finetune.steps = 2000, 800, 1000
    c.bench.baseline_budget = "matched"
    assert (budgets.extra_steps(c), budgets.uniform_steps(c)) == (800, 3800)
    assert "(1800, the same lr" in bench.baseline_recipe(c)
    c.bench.baseline_budget = "own"
    assert (budgets.extra_steps(c), budgets.uniform_steps(c)) == (0, 2000)
    assert "(2000 it, Scratch-E" in bench.baseline_recipe(c)


def test_method_recipe():
    c = bench_cpu.get_config("tiny")
    c.sparsity.steps, c.sparsity.decay_step = 250, 0
    c.finetune.steps, c.finetune.lr, c.finetune.decay_step = 1000, 1e-3, 750
    assert bench_report.method_recipe(c) == (
        "sparsity training 250 it (no lr drop), fine-tuning 1000 it at lr 0.001 "
        "(lr drop at 750), without the sparsity penalty"
    )
    c.finetune.sparsity = True
    assert bench_report.method_recipe(c).endswith("with the sparsity penalty")


def _penalties(path):
    """The gamma penalties of the BNs of the model saved at ``path``."""
    import keras

    from keras_sasrnet import models

    return [
        layer.gamma_regularizer
        for layer in models.load(str(path)).layers
        if isinstance(layer, keras.layers.BatchNormalization)
        and layer.gamma_regularizer is not None
    ]


@pytest.mark.slow
def test_tiny_bench_runs_every_row_caches_and_resumes(tmp_path):
    """bench_cpu:tiny on one task and seed: every kind of row, then a rerun that
    trains nothing; a second work directory reuses the cached full models."""
    c = bench_cpu.get_config("tiny")
    c.bench.data_dir = str(tmp_path / "data")
    c.bench.cache = str(tmp_path / "models")
    c.bench.tasks = ("hill",)
    c.bench.seeds = (0,)
    # L1-norm and random pruning share one code path, tested with the baselines
    c.bench.baselines = ("random", "uniform")
    c.bench.litert = False  # the LiteRT timing has its own test
    c.bench.baseline_budget = "own"
    work = tmp_path / "bench"
    bench.run_bench(c, str(work), "python -m benchmarks.slimming ...", log=print)
    text = (work / "README.md").read_text()
    assert text == bench_report.readme(str(work))  # made from rows.json alone
    for name in ("SRNet, no slimming", "XuNet", "SASRNet, group-lasso", "random"):
        assert f"| {name}" in text
    assert "| uniformly thinner, from scratch | budget 70% |" in text
    assert "### Targets (issue 13)" in text and "min of stage time" in text
    summary = json.loads((work / "summary.json").read_text())["tasks"]["hill"]
    methods = [r["method"] for r in summary["rows"]]
    assert methods == ["full", "xunet", TINY, "random", "uniform"]
    # Pruned to 70 % of the full SRNet's predicted latency: the sparsity row
    # by the knapsack (at or under the budget), the baselines bisected to it.
    for r in summary["rows"][2:]:
        stage = benchmark.stage_folder(r["method"], r["rate"])
        folder = work / "hill" / "seed_0" / stage
        done = json.loads((folder / "done.json").read_text())
        budget = done.get("budget_ms", done.get("target_ms"))
        if r["method"] == TINY:
            assert done["predicted_ms"] <= budget
        else:
            assert done["predicted_ms"] == pytest.approx(budget, rel=0.05), r
    assert "### Speed: LiteRT float32 and int8 (issue 28)" in text
    assert "## How the recipe came to be" in text  # benchmarks/harness/history.md
    assert "Against the paper's Table 5" not in text  # its rows are channel rates
    # One seed: each pruned row's mean is its model's accuracy on the test
    # pairs, 1 - P_E from the scores it saved (decided here: stego if > 0.5).
    for r in summary["rows"][2:]:
        stage = benchmark.stage_folder(r["method"], r["rate"])
        folder = work / "hill" / "seed_0" / stage
        with np.load(folder / "test_scores.npz") as saved:
            labels, scores = saved["labels"], saved["scores"]
        p_fa = np.mean(scores[labels == 0] > 0.5)
        p_fn = np.mean(scores[labels == 1] <= 0.5)
        assert r["test_mean"] == pytest.approx(1 - (p_fa + p_fn) / 2), r["method"]
    # the per-photo table has one column per test photo of the demo split
    assert summary["test_photos"] == 4 and "| camera | coffee | grass | moon |" in text
    for figure in (
        "learning_curves.png",
        "accuracy_vs_macs.png",
        "accuracy_vs_latency.png",
    ):
        assert (work / "figures" / figure).stat().st_size > 5000
    seconds = json.loads(
        (work / "hill" / "seed_0" / "random_0.3" / "done.json").read_text()
    )
    # the stage's time is recorded for the report (its value is not judged)
    assert isinstance(seconds["seconds"], float) and seconds["seconds"] >= 0
    with np.load(work / "hill" / "seed_0" / "uniform_0.3" / "test_scores.npz") as s:
        assert set(s["labels"]) == {0, 1}
    # Every pruned row's int8 (float stem) model, scored on the test pairs:
    # its accuracy recomputed here from the .tflite file.
    from keras_sasrnet.models.litert import LiteRTModel

    t = benchmark.task_config(c, "hill", benchmark.covers(c), print)
    for r in summary["rows"][2:]:
        folder = (
            work
            / "hill"
            / "seed_0"
            / f"int8_{benchmark.stage_folder(r['method'], r['rate'])}"
        )
        lite = LiteRTModel(str(folder / "model_int8.tflite"))
        assert lite.metadata["precision"] == "int8" and lite.metadata["float_layers"]
        scores, labels = [], []
        for x, y in pairs.pair_dataset(
            t.data.covers, t.data.stegos, "test", 4, training=False, log=print
        ):
            scores.append(stego_probability(lite(x.numpy())))
            labels.append(y.numpy())
        scores, labels = np.concatenate(scores), np.concatenate(labels)
        p_fa = np.mean(scores[labels == 0] > 0.5)
        p_fn = np.mean(scores[labels == 1] <= 0.5)
        assert r["int8_test_mean"] == pytest.approx(1 - (p_fa + p_fn) / 2), r["method"]
    # "own" budgets: random fine-tunes finetune.steps (2, one epoch of 2),
    # uniform trains baseline.steps (2); "matched" would give 2 and 3 epochs
    for stage in ("random_0.3", "uniform_0.3"):
        history = work / "hill" / "seed_0" / stage / "train" / "history.csv"
        assert len(history.read_text().strip().splitlines()) == 1 + 1, stage
    assert "Scratch-E" in text
    # the sparsity row is pruned with its penalty and fine-tuned without it
    row = work / "hill" / "seed_0" / benchmark.stage_folder(TINY, 0.3)
    assert _penalties(row / "pruned.keras") and not _penalties(row / "model.keras")

    # The task's time is this config's stages: the folders the run made are
    # the ones stage_folders names, and a stage left in the work folder by an
    # earlier config (a method since dropped) is not counted.
    seed_dir = work / "hill" / "seed_0"
    made = {p.name for p in seed_dir.iterdir() if p.is_dir()}
    assert made == set(seeds.stage_folders(c))
    c2 = c.copy_and_resolve_references()
    c2.bench.methods = ("gprox_latency:1e-2", "gprox_latency:1e-2/score")
    names = seeds.stage_folders(c2)  # one sparsity stage for the two orders
    assert names.count("sparse_gprox_latency_1e-2") == 1
    minutes = json.loads((work / "rows.json").read_text())["tasks"][0]["minutes"]
    assert minutes > 0
    (seed_dir / "dropped_0.7").mkdir()
    (seed_dir / "dropped_0.7" / "done.json").write_text('{"seconds": 6000.0}')

    lines = []
    bench.run_bench(c, str(work), "python -m benchmarks.slimming ...", log=lines.append)
    assert "uniform_0.3: done already" in lines
    rows = json.loads((work / "rows.json").read_text())
    assert rows["tasks"][0]["minutes"] == minutes == rows["minutes"]
    assert not [line for line in lines if line.startswith("== ")]
    # The full models live in the cache, under a fingerprint of their recipe.
    cached = sorted(p.name for p in (tmp_path / "models").iterdir())
    assert [name.split("-")[0] for name in cached] == ["srnet", "xunet"]
    t = benchmark.task_config(c, "hill", benchmark.covers(c), print)
    assert tasks.fingerprint(t, "srnet") == cached[0]
    t.baseline.steps += 1
    assert tasks.fingerprint(t, "srnet") != cached[0]


@pytest.mark.slow
def test_costs_time_every_row_in_turns_in_float32_and_int8(tmp_path):
    """LiteRT float32 and int8 files per row, timed in one pass with full
    SRNet and XuNet; a rerun times nothing again."""
    from keras_sasrnet import models
    from keras_sasrnet.models.io import save

    c = bench_cpu.get_config("tiny")
    c.bench.litert = True
    paths = {}
    for key, model in (
        # XuNets stand in for every row: what is tested is the bookkeeping,
        # and XuNet converts 3x faster than SRNet
        (("full", 0.0), models.build("xunet", 1.0, input_shape=(32, 32, 1))),
        (("xunet", 0.0), models.build("xunet", 0.75, input_shape=(32, 32, 1))),
        ((METHOD, 0.5), models.build("xunet", 0.5, input_shape=(32, 32, 1))),
    ):
        paths[key] = str(tmp_path / f"{len(paths)}.keras")
        save(model, paths[key])
    lines = []
    got = benchmark.costs(c, str(tmp_path / "task"), paths, log=lines.append)
    assert lines.count("== timing 3 models in turns") == 1
    for key in paths:
        row = got[key]
        assert row["latency_ms"] > 0 and row["litert_ms"] > 0
        assert row["litert_int8_ms"] > 0
        assert row["tflite_int8_bytes"] < row["tflite_float32_bytes"]
    timings = json.loads((tmp_path / "task" / "costs" / "timings.json").read_text())
    assert timings["rows"] == ["full", "xunet", benchmark.stage_folder(METHOD, 0.5)]
    assert [got[k]["litert_ms"] for k in paths] == timings["litert_ms"]
    lines.clear()
    assert benchmark.costs(c, str(tmp_path / "task"), paths, log=lines.append) == got
    assert lines == []  # every stage and the timing reused


def test_compact_table_names_xunet_once_with_or_without_its_row():
    from benchmarks import summary_table

    costs = {("full", 0.0): {"litert_ms": 60.0}, ("xunet", 0.0): {"litert_ms": 4.0}}
    new = bench.summary([task([{(METHOD, 0.8): fake(0.79, 20)}], costs=costs)])
    text = summary_table.table(new)
    assert text.count("XuNet, no slimming") == 1
    assert "| lsbm | XuNet, no slimming | 75.00 % | 50 (5.00 %) |" in text
    old = {"tasks": {"lsbm": dict(new["tasks"]["lsbm"])}}
    old["tasks"]["lsbm"]["rows"] = [
        r for r in new["tasks"]["lsbm"]["rows"] if r["method"] != "xunet"
    ]  # summaries written before the xunet row
    text = summary_table.table(old)
    assert text.count("XuNet, no slimming") == 1
    assert "| lsbm | XuNet, no slimming | 75.00 % | | | |" in text


def test_stage_minutes_count_only_the_folders_given(tmp_path):
    from benchmarks.harness.benchmark import stage_minutes

    for task, seconds in (("lsbm", 120.0), ("hill", 600.0)):
        stage = tmp_path / task / "seed_0" / "l1_0.7"
        stage.mkdir(parents=True)
        (stage / "done.json").write_text(json.dumps({"seconds": seconds}))
    assert stage_minutes([str(tmp_path / "lsbm")]) == 2.0
    assert stage_minutes([str(tmp_path / "lsbm"), str(tmp_path / "hill")]) == 12.0


def test_latency_table_lists_one_budget_beside_full_srnet_and_xunet():
    from benchmarks import summary_table

    def row(method, rate, test, ms, **more):
        return {
            "method": method,
            "rate": rate,
            "test_mean": test,
            "test_std": 0,
            "litert_ms": ms,
            "litert_int8_ms": ms / 2,
            **more,
        }

    rows = [
        row("full", 0.0, 0.75, 60.0),
        row("xunet", 0.0, 0.72, 4.0),
        row("l1", 0.7, 0.74, 15.0, int8_test_mean=0.73, int8_test_std=0.01),
        row("l1", 0.8, 0.64, 9.0),
    ]
    text = summary_table.latency_table({"tasks": {"lsbm": {"rows": rows}}}, 0.7)
    assert "| task | row (30% latency budget) |" in text
    assert (
        "| lsbm | L1-norm filter pruning | 74.00 % | 73.00 ± 1.00 % "
        "| 15.0 (4.00x) | 7.5 |" in text
    )
    assert "64.00" not in text and text.count("\n") == 4


def test_the_readme_and_docs_tables_are_the_ones_the_summary_gives():
    from benchmarks import summary_table

    root = pathlib.Path(__file__).parents[2]
    summary = json.loads((root / "benchmarks" / "summary.json").read_text())
    readme = (root / "README.md").read_text()
    docs = (root / "docs" / "benchmarks.md").read_text()
    assert summary_table.latency_table(summary, 0.7) in readme
    for rate in (0.7, 0.8):
        assert summary_table.latency_table(summary, rate) in docs


@pytest.mark.slow
def test_the_benchmark_guard_judges_rungs_with_the_probe_when_asked(tmp_path):
    """bench.methods with sparsity.adaptive: the sparsity stage is the guard's
    ladder from the full SRNet, and with sparsity.probe_steps each rung has
    its probe (pruned of its zeros, fine-tuned) as in the schedule."""
    c = bench_cpu.get_config("tiny")
    c.bench.data_dir = str(tmp_path / "data")
    c.bench.cache = str(tmp_path / "models")
    c.bench.tasks, c.bench.seeds, c.bench.baselines = ("lsbm",), (0,), ()
    c.bench.litert = c.bench.int8 = False
    c.sparsity.adaptive = True
    # one rung: its probe shows the wiring (the guard's own tests climb)
    c.sparsity.rungs, c.sparsity.steps, c.sparsity.probe_steps = 1, 1, 1
    c.tolerance = 1.0  # every rung kept: the test checks the wiring
    work = tmp_path / "bench"
    bench.run_bench(c, str(work), "python -m benchmarks.slimming ...", log=print)
    sparse = work / "lsbm" / "seed_0" / f"sparse_{TINY.split('/')[0].replace(':', '_')}"
    path = json.loads((sparse / "done.json").read_text())["guard"]
    assert [p["rung"] for p in path] == [1] and all(p["accepted"] for p in path)
    for p in path:
        assert p["val_accuracy"] == max(p["val_sparse"], p["val_probe"])
        assert (sparse / f"rung_{p['rung']}_probe" / "model.keras").exists()
