"""Every study's README is made from its committed files alone, byte for byte."""

import importlib
import pathlib

import pytest

from benchmarks import study

ROOT = pathlib.Path(__file__).parents[2] / "benchmarks"
# every study: a folder of benchmarks/ with a run.py (device/ holds the GPU
# scripts, harness/ the slimming benchmark's code)
STUDIES = sorted(p.parent.name for p in ROOT.glob("*/run.py"))


def test_the_studies_are_found():
    assert {"adaptive", "precision", "slimming"} <= set(STUDIES)


@pytest.mark.parametrize("name", STUDIES)
def test_the_readme_is_remade_from_the_rows(name):
    report = importlib.import_module(f"benchmarks.{name}.report")
    folder = ROOT / name
    assert (folder / study.ROWS).exists() and (folder / "run.py").exists()
    text = report.readme(str(folder))
    assert text.startswith("> Generated from the rows by `python -m benchmarks.")
    assert text == (folder / study.README).read_text()


def test_merge_replaces_rows_by_key_and_keeps_the_others(tmp_path):
    study.merge(
        str(tmp_path), [{"k": 1, "v": "a"}, {"k": 2, "v": "b"}], lambda r: r["k"]
    )
    rows = study.merge(str(tmp_path), [{"k": 2, "v": "c"}], lambda r: r["k"])
    assert rows == [{"k": 1, "v": "a"}, {"k": 2, "v": "c"}] == study.load(str(tmp_path))
