"""The sparsity guard: alpha climbs while validation accuracy holds."""

import functools
import shutil

import numpy as np
import pytest

from configs import demo as demo_config
from keras_sasrnet import models, slimming
from keras_sasrnet.evaluation import run_report
from keras_sasrnet.train import guard, pipeline, stages


def test_rungs_split_the_steps_and_settle_for_their_last_quarter():
    assert guard.rung_iterations(10, 4) == [3, 3, 2, 2]
    assert guard.rung_iterations(2, 3) == [1, 1, 0]
    assert guard.settle_step(500) == 375 and guard.settle_step(3) == 0


def test_the_level_is_the_median_of_the_last_quarter_of_epochs(tmp_path):
    from keras_sasrnet import atomic

    vals = [0.80, 0.90, 0.93, 0.91, 0.90, 0.92, 0.89, 0.91]  # best: 0.93
    history = [{"val_accuracy": v} for v in vals]
    atomic.write_json(str(tmp_path / "state.json"), {"history": history})
    assert guard.reference(str(tmp_path), 0.93) == pytest.approx(0.90)  # last 2
    assert guard.reference(str(tmp_path / "none"), 0.93) == 0.93


def _alphas(model):
    return {
        layer.gamma_regularizer.alpha
        for layer in model.layers
        if getattr(layer, "gamma_regularizer", None) is not None
    }


@pytest.mark.slow
def test_the_guard_climbs_within_tolerance_and_undoes_the_first_rung_below(tmp_path):
    """Validation accuracies are scripted (tiny models learn nothing): rung 1
    within the tolerance, rung 2 below it. The ladder stops there and keeps
    rung 1's model, penalty and all; if rung 1 fails, the baseline is kept."""
    c = demo_config.get_config("tiny")
    c.model.arch, c.model.width_scale = "xunet", 0.5  # traces faster than SRNet
    c.sparsity.adaptive, c.sparsity.search = True, "ladder"
    c.sparsity.rungs, c.sparsity.steps = 3, 3
    c.sparsity.alpha, c.sparsity.factor = 1e-3, 3.0
    c.tolerance = 0.01
    lines = []
    work = tmp_path / "run"
    r = pipeline.open_run(c, str(work), lines.append)
    base = r.stage("baseline", functools.partial(stages.baseline_stage, r))
    real = r.val_accuracy
    script = [base["val_accuracy"] - 0.005, base["val_accuracy"] - 0.05]
    r.val_accuracy = lambda m: script.pop(0) if script else real(m)
    row = r.stage("sparse", functools.partial(stages.sparse_stage, r))
    path = row["guard"]
    assert [p["accepted"] for p in path] == [True, False]
    assert [p["alpha"] for p in path] == pytest.approx([1e-3, 3e-3])
    assert [p["iterations"] for p in path] == [1, 1]
    assert path == guard.load_path(str(work / "sparse"))
    kept = models.load(str(work / "sparse" / "model.keras"))
    rung_1 = models.load(str(work / "sparse" / "rung_1.keras"))
    for a, b in zip(kept.get_weights(), rung_1.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert sorted(_alphas(kept)) == pytest.approx([1e-3])
    assert any("guard rung 2" in line and "rejected" in line for line in lines)
    assert "undone, stop" in run_report.guard_table(path)

    shutil.rmtree(work / "sparse")
    script[:] = [base["val_accuracy"] - 0.02]  # the first rung already fails
    row = r.stage("sparse", functools.partial(stages.sparse_stage, r))
    assert [p["accepted"] for p in row["guard"]] == [False]
    kept = models.load(str(work / "sparse" / "model.keras"))
    baseline = models.load(str(work / "baseline" / "best.keras"))
    for a, b in zip(kept.get_weights(), baseline.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_with_a_probe_a_rung_is_judged_after_its_zeros_go_and_a_short_fine_tune(
    tmp_path,
):
    """sparsity.probe_steps: the rung's own validation accuracy is recorded
    (val_sparse) beside the probe's (the rung's model pruned of its zeros,
    fine-tuned without the penalty); the better of the two decides. The kept
    model is the sparse rung, not the probe."""
    c = demo_config.get_config("tiny")
    c.model.arch, c.model.width_scale = "xunet", 0.5
    c.sparsity.adaptive = True
    c.sparsity.rungs, c.sparsity.steps, c.sparsity.probe_steps = 2, 2, 2
    c.sparsity.alpha, c.sparsity.factor = 1e-3, 3.0
    c.tolerance = 0.01
    work = tmp_path / "run"
    r = pipeline.open_run(c, str(work), lambda line: None)
    base = r.stage("baseline", functools.partial(stages.baseline_stage, r))
    level = base["val_accuracy"]
    # per rung: the sparse model's accuracy, then the probe's; rung 2: both
    # below (the better one, -0.02, decides)
    script = [level - 0.05, level - 0.005, level - 0.02, level - 0.05]
    real = r.val_accuracy
    r.val_accuracy = lambda m: script.pop(0) if script else real(m)
    row = r.stage("sparse", functools.partial(stages.sparse_stage, r))
    path = row["guard"]
    assert [p["accepted"] for p in path] == [True, False]
    assert [p["val_sparse"] for p in path] == pytest.approx(
        [level - 0.05, level - 0.02]
    )
    assert [p["val_probe"] for p in path] == pytest.approx(
        [level - 0.005, level - 0.05]
    )
    assert [p["val_accuracy"] for p in path] == pytest.approx(
        [level - 0.005, level - 0.02]
    )
    table = run_report.guard_table(path)
    assert "| val sparse | val after probe |" in table
    assert f"| {100 * (level - 0.05):.2f} % | {100 * (level - 0.005):.2f} % |" in table
    for k in (1, 2):
        probe = work / "sparse" / f"rung_{k}_probe"
        assert (probe / "pruned.keras").exists() and (probe / "model.keras").exists()
        assert not _alphas(models.load(str(probe / "model.keras")))  # no penalty
    kept = models.load(str(work / "sparse" / "model.keras"))
    rung_1 = models.load(str(work / "sparse" / "rung_1.keras"))
    for a, b in zip(kept.get_weights(), rung_1.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_sweep_starts_every_rung_from_the_baseline_and_keeps_the_most_zeros(
    tmp_path,
):
    """search="sweep": every rung from the baseline at its own alpha, none
    stops the search; of the accepted rungs the one with the most channels at
    zero is kept (a rejected rung with more is not)."""
    c = demo_config.get_config("tiny")
    c.model.arch, c.model.width_scale = "xunet", 0.5
    c.sparsity.adaptive, c.sparsity.search = True, "sweep"
    c.sparsity.rungs, c.sparsity.steps = 3, 3
    c.sparsity.alpha, c.sparsity.factor = 1e-3, 2.0
    c.tolerance = 0.01
    work = tmp_path / "run"
    r = pipeline.open_run(c, str(work), lambda *_: None)
    base = r.stage("baseline", functools.partial(stages.baseline_stage, r))
    start = str(work / "baseline" / "best.keras")
    starts = []

    def build(path, alpha, first):
        starts.append((path, first))
        return slimming.with_sparsity(r.load(path), alpha, method=c.sparsity.method)

    zeros = iter([0.1, 0.5, 0.3])
    level = base["val_accuracy"]
    script = [level - 0.005, level - 0.05, level]  # accepted, rejected, accepted
    r.val_accuracy = lambda m: script.pop(0)
    folder = work / "sparse"
    folder.mkdir()
    _, path = guard.guarded_sparsity(
        r, str(folder), start, level, lambda m: next(zeros), build
    )
    assert [p["accepted"] for p in path] == [True, False, True]
    assert [p["alpha"] for p in path] == pytest.approx([1e-3, 2e-3, 4e-3])
    assert starts == [(start, True)] * 3
    assert [p["search"] for p in path] == ["sweep"] * 3
    table = run_report.guard_table(path)
    assert "| rejected |" in table and "| accepted (last) |" in table  # rung 1
    assert table.count("the phase's model") == 1  # rung 3, the most zeros
    assert table.splitlines()[-1].endswith("| accepted (last): the phase's model |")
    kept = models.load(str(folder / "model.keras"))
    rung_3 = models.load(str(folder / "rung_3.keras"))
    for a, b in zip(kept.get_weights(), rung_3.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_reference_is_the_best_epoch_by_default_or_the_level():
    assert demo_config.get_config().sparsity.reference == "best"
    assert guard.baseline_reference("best", "/nowhere", 0.93) == 0.93
    with pytest.raises(ValueError, match="'best' or 'level'"):
        guard.baseline_reference("median", "/nowhere", 0.93)


def test_a_rung_keeps_its_best_epoch_when_only_that_is_within_tolerance(tmp_path):
    """A rung offers its last epoch and its best epoch on validation: the one
    within tolerance is kept; where both are, the one with more zeros; where
    the best epoch is the last, it is not evaluated twice."""
    import types

    import ml_collections

    from keras_sasrnet import atomic

    model = models.build("xunet", 0.5, input_shape=(16, 16, 1))
    train_dir = tmp_path / "rung_1"
    train_dir.mkdir()
    model.save(str(train_dir / "best.keras"))
    atomic.write_json(str(train_dir / "state.json"), {"epoch": 4, "best_epoch": 2})
    script = []
    r = types.SimpleNamespace(
        c=ml_collections.ConfigDict({"tolerance": 0.01}),
        load=models.load,
        val_accuracy=lambda m: script.pop(0),
    )

    def choose(drop, best_val, zeros_best):
        step = {"drop": drop, "reference": 0.90, "zero_fraction": 0.4}
        script[:] = [best_val]
        chosen, kept = guard._rung_choice(
            r, step, "last.keras", "LAST", str(tmp_path), 1, lambda m: zeros_best
        )
        return step, chosen, kept

    step, chosen, kept = choose(0.03, 0.895, 0.2)  # last out, best epoch in
    assert chosen == ("best epoch", str(train_dir / "best.keras"), 0.2)
    assert kept is not None and kept != "LAST"
    assert step["val_best_epoch"] == 0.895 and step["zero_fraction_best_epoch"] == 0.2
    assert step["drop_best_epoch"] == pytest.approx(0.005)
    row = {"rung": 1, "search": "sweep", "alpha": 1e-3, "iterations": 3}
    row.update(step, val_accuracy=0.87, accepted=True, kept="best epoch")
    table = run_report.guard_table([row])
    assert "| best epoch: at zero, val | verdict |" in table
    assert "| 20.0 %, 89.50 % | accepted (best epoch): the phase's model |" in table
    assert choose(0.005, 0.91, 0.2)[1][0] == "last"  # both in: more zeros
    assert choose(0.005, 0.91, 0.5)[1][0] == "best epoch"
    assert choose(0.03, 0.88, 0.2)[1:] == (None, "LAST")  # neither
    # exactly 1 pp below (2 of 200 images; 0.90 - 0.89 is 0.010000000000000009)
    assert 0.90 - 0.89 > 0.01
    assert choose(0.03, 0.89, 0.2)[1][0] == "best epoch"
    assert choose(0.03, 0.8899, 0.2)[1] is None  # beyond it
    atomic.write_json(str(train_dir / "state.json"), {"epoch": 4, "best_epoch": 4})
    step = {"drop": 0.005, "reference": 0.90, "zero_fraction": 0.4}
    script[:] = []  # no evaluation: popping would fail
    chosen, kept = guard._rung_choice(
        r, step, "last.keras", "LAST", str(tmp_path), 1, lambda m: 0.0
    )
    assert chosen == ("last", "last.keras", 0.4) and "val_best_epoch" not in step


def _scripted(tmp_path, monkeypatch, search, rungs):
    """A guard run without training: the tiny config's guard (alpha 1e-3, x2
    per rung, tolerance 1 pp), a saved XuNet as the baseline, ``train_stage``
    replaced by one that fills rung k's first kernel with k (so a kept model
    shows which rung it is) and a ``Run`` stand-in whose validation accuracy
    is always 0.90. Returns (run, baseline path, log lines, sparse folder)."""
    import types

    import tensorflow as tf

    c = demo_config.get_config("tiny")
    c.sparsity.adaptive, c.sparsity.search = True, search
    c.sparsity.rungs, c.sparsity.steps = rungs, rungs
    c.sparsity.alpha, c.sparsity.factor = 1e-3, 2.0
    c.tolerance = 0.01
    start = str(tmp_path / "baseline.keras")
    models.build("xunet", 0.5, input_shape=(16, 16, 1)).save(start)

    def train_stage(r, make, n, lr, decay_step, folder, out, **kwargs):
        model = make()
        rung = int(out.split("_")[1].split(".")[0])  # rung_k.keras
        kernel = model.trainable_weights[0]
        kernel.assign(np.full(kernel.shape, rung, "float32"))  # which rung it is
        model.save(f"{folder}/{out}")
        return model

    monkeypatch.setattr(guard, "train_stage", train_stage)
    lines = []
    r = types.SimpleNamespace(
        c=c,
        val_accuracy=lambda m: 0.90,
        log=lines.append,
        load=models.load,
        metadata=dict,
        strategy=tf.distribute.get_strategy(),
    )
    folder = tmp_path / "sparse"
    folder.mkdir()
    return r, start, lines, folder


def _diverging_at(alpha, error):
    """A rung builder whose training diverges (as the loop does on a
    non-finite loss) at ``alpha``."""

    def build(path, a, first):
        if a == pytest.approx(alpha):
            raise FloatingPointError(error)
        return models.load(path)

    return build


@pytest.mark.parametrize("search", ["sweep", "ladder"])
def test_a_rung_that_diverges_is_rejected_not_the_end_of_the_run(
    tmp_path, monkeypatch, search
):
    """Rung 2's training diverges (train_stage raises FloatingPointError, as
    the loop does on a non-finite loss): it is recorded as rejected, and a
    sweep goes on to rung 3 while a ladder stops and keeps rung 1."""
    r, start, lines, folder = _scripted(tmp_path, monkeypatch, search, 3)
    build = _diverging_at(2e-3, "non-finite loss or metric at epoch 1")
    zeros = iter([0.1, 0.3])
    _, path = guard.guarded_sparsity(
        r, str(folder), start, 0.90, lambda m: next(zeros), build
    )
    assert [p["rung"] for p in path] == ([1, 2, 3] if search == "sweep" else [1, 2])
    assert [p["accepted"] for p in path] == [True, False, True][: len(path)]
    assert path[1]["diverged"] == "non-finite loss or metric at epoch 1"
    assert "guard rung 2: alpha 0.002 diverged" in lines[1]
    table = run_report.guard_table(path)
    assert "| 2 | 0.002 | 1 | diverged |" in table
    verdict = "rejected" if search == "sweep" else "undone, stop"
    assert f"| {verdict} (diverged) |" in table
    kept = models.load(str(folder / "model.keras")).trainable_weights[0]
    assert np.all(np.asarray(kept) == (3 if search == "sweep" else 1))


def test_a_probe_that_diverges_leaves_the_rung_judged_by_its_sparse_model(
    tmp_path, monkeypatch
):
    """Rung 2's probe (its zeros pruned, briefly fine-tuned) diverges: the
    run goes on, rung 2 is judged by its sparse model's own accuracy (within
    the tolerance here, so accepted), and the path, the log and the guard
    table say the probe diverged."""
    r, start, lines, folder = _scripted(tmp_path, monkeypatch, "sweep", 2)
    r.val_accuracy = lambda m: 0.895

    def probe(rung_path, k):
        if k == 2:
            raise FloatingPointError("non-finite loss or metric at epoch 1")
        return 0.80  # below the tolerance: rung 1 is judged by its sparse 0.895

    zeros = iter([0.1, 0.3])
    _, path = guard.guarded_sparsity(
        r,
        str(folder),
        start,
        0.90,
        lambda m: next(zeros),
        lambda p, a, first: models.load(p),
        probe=probe,
    )
    assert [p["accepted"] for p in path] == [True, True]
    assert path[0]["val_probe"] == 0.80 and "probe_diverged" not in path[0]
    assert "val_probe" not in path[1]
    assert path[1]["probe_diverged"] == "non-finite loss or metric at epoch 1"
    assert path[1]["val_accuracy"] == path[1]["val_sparse"] == 0.895
    assert any("guard rung 2: its probe diverged" in line for line in lines)
    table = run_report.guard_table(path)
    assert "| 2 | 0.002 | 1 | 30.0 % | 89.50 % | diverged | 89.50 % |" in table


@pytest.mark.parametrize("search", ["sweep", "ladder"])
def test_a_rung_that_diverges_offers_its_best_committed_epoch(
    tmp_path, monkeypatch, search
):
    """Rung 2 diverges after committing an epoch (its state and best.keras
    exist): that epoch is judged alone and, within the tolerance with the
    most zeros, kept: the sweep keeps it over rung 3, the ladder stops on it."""
    from keras_sasrnet import atomic

    r, start, lines, folder = _scripted(tmp_path, monkeypatch, search, 3)
    (folder / "rung_2").mkdir()
    best = models.load(start)
    best.trainable_weights[0].assign(np.full(best.trainable_weights[0].shape, 2.0))
    best.save(str(folder / "rung_2" / "best.keras"))
    atomic.write_json(
        str(folder / "rung_2" / "state.json"), {"epoch": 1, "best_epoch": 1}
    )
    build = _diverging_at(2e-3, "non-finite loss or metric at epoch 2")

    def zero_fraction(model):  # rung k's model (kernel filled with k)
        return {1: 0.1, 2: 0.5, 3: 0.3}[int(model.trainable_weights[0][0, 0, 0, 0])]

    _, path = guard.guarded_sparsity(r, str(folder), start, 0.90, zero_fraction, build)
    assert [p["accepted"] for p in path] == (
        [True] * 3 if search == "sweep" else [True] * 2
    )
    assert path[1]["diverged"] == "non-finite loss or metric at epoch 2"
    assert (path[1]["kept"], path[1]["zero_fraction_best_epoch"]) == ("best epoch", 0.5)
    assert (
        "diverged (non-finite loss or metric at epoch 2): its best epoch accepted"
        in lines[1]
    )
    kept = models.load(str(folder / "model.keras")).trainable_weights[0]
    assert np.all(np.asarray(kept) == 2)  # the diverged rung's best epoch
    table = run_report.guard_table(path)
    assert "| 2 | 0.002 | 1 | diverged |  |  | 50.0 %, 90.00 % |" in table
    assert "(diverged; best epoch)" in table
