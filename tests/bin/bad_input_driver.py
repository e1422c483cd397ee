"""Runs many command lines of one binary in one process (bad-input suite).

A subprocess per case would import TensorFlow 40+ times; this runs each
binary's console entry point (``run()``) once per case, from the flags'
defaults, the way a user's shell would, and records its exit status and
what it printed.

stdin: {"binary": "sasrnet_detect", "cases": [[arg, ...], ...]}, or a list
of such (one process for several binaries: each one's flags are removed
before the next is imported).
stdout (last line): a JSON list of {"code", "stderr", "stdout"} per case
(a list of such lists for a list).
"""

import contextlib
import importlib
import io
import json
import sys
import traceback

from absl import app, flags


def _run(module, binary, args):
    flags.FLAGS.unparse_flags()
    sys.argv = [binary, *args]
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    code = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            module.run()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:  # what the interpreter would print: a traceback
            traceback.print_exc()
            code = 1
    texts = []
    for stream in (err, out):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8", "replace"))
    return {"code": code, "stderr": texts[0], "stdout": texts[1]}


def main():
    spec = json.load(sys.stdin)
    specs = spec if isinstance(spec, list) else [spec]
    app.define_help_flags()  # --help and friends stay; the rest is removed
    absl_own = set(flags.FLAGS)
    results = []
    for one in specs:  # several binaries: each defines its flags afresh
        for name in set(flags.FLAGS) - absl_own:
            delattr(flags.FLAGS, name)
        binary = one["binary"]
        module = importlib.import_module(f"keras_sasrnet.bin.{binary}")
        results.append([_run(module, binary, args) for args in one["cases"]])
    out = results if isinstance(spec, list) else results[0]
    sys.__stdout__.write("\n" + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
