"""Packaging: a regular (non-editable) install must ship every module."""

import pathlib

import setuptools

ROOT = pathlib.Path(__file__).parents[1]


def test_every_source_folder_is_a_package():
    found = set(setuptools.find_packages(str(ROOT), include=["keras_sasrnet*"]))
    folders = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "keras_sasrnet").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert folders <= found, f"missing __init__.py in {sorted(folders - found)}"
