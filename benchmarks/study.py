"""One shape for every study under benchmarks/: rows in, README out.

A study is ``benchmarks/<name>/run.py``. It measures, keeps its rows in
``benchmarks/<name>/rows.json`` (``merge``: new rows replace old ones of
the same key) and writes ``README.md`` with ``publish`` from a pure function
of its folder, ``readme(folder) -> text``, behind a first line that says it
is generated and by which command. ``tests/bench/test_studies.py`` remakes
every study's README from its committed files and compares bytes, so a
README cannot drift from its rows.
"""

import json
import os

from keras_sasrnet import atomic

ROWS = "rows.json"
README = "README.md"


def load(folder, name=ROWS):
    """The rows in ``folder/name`` (``[]`` if there are none yet)."""
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def merge(folder, rows, key):
    """Writes ``folder/rows.json``: the old rows whose ``key(row)`` no new row
    has, then ``rows``; returns them."""
    new = {key(r) for r in rows}
    merged = [r for r in load(folder) if key(r) not in new] + list(rows)
    os.makedirs(folder, exist_ok=True)
    atomic.write_json(os.path.join(folder, ROWS), merged)
    return merged


def header(command):
    """The README's first line: generated, by ``command``, not to be edited."""
    return (
        f"> Generated from the rows by `{command}` (`--report_only` remakes "
        "this file from them); do not edit it by hand.\n\n"
    )


def publish(folder, readme):
    """Writes ``folder/README.md`` = ``readme(folder)``; returns the text."""
    text = readme(folder)
    atomic.write_text(os.path.join(folder, README), text)
    return text
