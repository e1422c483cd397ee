"""Resumable outputs remember the settings that made them.

A rerun into the same folder resumes only if it asks for the same thing:
with other settings it stops and says which differ (or, asked to, starts
the folder over). Without this, ``sasrnet_embed`` at HILL 0.4 into a folder
of LSBM 0.1 stegos kept the LSBM files under a HILL manifest, and
``sasrnet_slim`` with another prune target reported the old rounds.
"""

import json
import os
import shutil

from keras_sasrnet import atomic

FILENAME = "settings.json"


def _flat(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def differences(old, new):
    """``["key: old -> new", ...]`` between two (nested) settings dicts."""
    a, b = _flat(old), _flat(new)
    return [
        f"{k}: {a.get(k, '(unset)')!r} -> {b.get(k, '(unset)')!r}"
        for k in sorted(set(a) | set(b))
        if a.get(k, "(unset)") != b.get(k, "(unset)")
    ]


def claim(
    folder, settings, what, overwrite=False, filename=FILENAME, flag="--overwrite"
):
    """Makes ``folder`` the home of ``settings``' outputs, or stops.

    Args:
        folder: the output folder (created).
        settings: a JSON-able dict of everything that shapes the outputs.
        what: what the folder holds, for the message ("stegos", "a run").
        overwrite: with other recorded settings, delete the folder's
            contents and start over instead of stopping.
        filename: where the settings are recorded in ``folder``.
        flag: how the user asks for ``overwrite``, for the message.

    Raises:
        ValueError: the folder holds outputs made with other settings.
    """
    atomic.check_folder(folder)
    settings = json.loads(json.dumps(settings))  # tuples -> lists, as stored
    path = os.path.join(folder, filename)
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
        diff = differences(old, settings)
        if not diff:
            return
        if not overwrite:
            raise ValueError(
                f"{folder} holds {what} made with other settings ("
                + "; ".join(diff[:6])
                + (f"; and {len(diff) - 6} more" if len(diff) > 6 else "")
                + f"): use another folder, or {flag} to start it over"
            )
        shutil.rmtree(folder)
    os.makedirs(folder, exist_ok=True)
    atomic.write_json(path, settings)
