"""The adaptive study's runs: one config, only data, seed and search change."""

import pathlib

import pytest

from benchmarks.adaptive import run
from configs import demo


def test_a_run_changes_only_the_seed_and_the_search():
    base = demo.get_config()
    c = run.task_config(base, "demo", "unused", 1, "ladder")
    assert (c.seed, c.sparsity.search) == (1, "ladder")
    assert run.task_config(base, "demo", "unused", 0).sparsity.search == "sweep"
    c.seed, c.sparsity.search = base.seed, base.sparsity.search
    assert c.to_dict() == base.to_dict()
    with pytest.raises(ValueError, match="sparsity.search"):
        run.task_config(base, "demo", "unused", 0, "bogus")


def test_the_target_column_says_what_missed(tmp_path):
    """Per task: val within the tolerance (mean over seeds), test within it
    or the seeds' spread, at least 20 % removed on every seed; a miss names
    which of them failed."""
    from benchmarks import study
    from benchmarks.adaptive import report

    def row(task, seed, val_slim, removed):
        guard = [
            {
                "reference": 0.9,
                "alpha": 0.1,
                "zero_fraction": removed,
                "val_accuracy": val_slim,
                "accepted": True,
            }
        ]
        return {
            "task": task,
            "seed": seed,
            "search": "sweep",
            "tolerance": 0.01,
            "val_baseline": 0.9,
            "val_slim": val_slim,
            "test_baseline": 0.7,
            "test_slim": 0.7,
            "removed_fraction": removed,
            "macs_share": 0.9,
            "guard": guard,
        }

    rows = [
        row("a", 0, 0.9, 0.3),
        row("a", 1, 0.895, 0.25),
        row("b", 0, 0.9, 0.3),
        row("b", 1, 0.9, 0.19),
        row("c", 0, 0.85, 0.3),
        row("c", 1, 0.88, 0.3),
    ]
    study.merge(str(tmp_path), rows, lambda r: (r["task"], r["seed"]))
    lines = {
        line.split(" | ")[0]: line.rsplit(" | ", 2)[-1]
        for line in report.readme(str(tmp_path)).splitlines()
        if line[:4] in ("| a ", "| b ", "| c ")
    }
    assert lines == {
        "| a": "met |",
        "| b": "missed: 19.0 % removed on a seed |",
        "| c": "missed: val |",
    }


def test_a_rung_whose_probe_diverged_reads_so_in_the_path():
    from benchmarks.adaptive import report

    rung = {
        "alpha": 0.1,
        "zero_fraction": 0.3,
        "val_accuracy": 0.895,
        "val_sparse": 0.895,
        "probe_diverged": "non-finite loss or metric at epoch 1",
        "accepted": True,
    }
    text = report._rung(rung)
    assert text.startswith("alpha 0.1 -> 30 % at zero, val 89.50 %, its probe")
    del rung["probe_diverged"]
    assert "its probe diverged" not in report._rung(rung)


def test_a_diverged_rung_reads_rejected_or_its_best_epoch_accepted():
    from benchmarks.adaptive import report

    rung = {"alpha": 0.2, "diverged": "non-finite loss", "accepted": False}
    assert report._rung(rung) == "alpha 0.2 -> diverged (rejected)"
    rung.update(accepted=True, zero_fraction_best_epoch=0.5, val_best_epoch=0.9)
    assert report._rung(rung) == (
        "alpha 0.2 -> diverged, its best epoch accepted: 50 % at zero, val 90.00 %"
    )


def test_the_readme_table_is_the_one_the_rows_give():
    """The README quotes the adaptive study's sweep table as its report
    makes it from benchmarks/adaptive/rows.json."""
    from benchmarks import study
    from benchmarks.adaptive import report

    root = pathlib.Path(__file__).parents[2]
    rows = study.load(str(root / "benchmarks" / "adaptive"))
    sweep = [r for r in rows if r.get("search", "ladder") == "sweep"]
    assert {r["task"] for r in sweep} == {
        "demo",
        "photos_lsbm_0.4",
        "photos_lsbm_1.0",
        "photos_hill_0.4",
    }
    (tolerance,) = {r["tolerance"] for r in sweep}
    assert report.table(sweep, tolerance) in (root / "README.md").read_text()
