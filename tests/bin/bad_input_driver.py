"""Runs many command lines of one binary in one process (bad-input suite).

A subprocess per case would import TensorFlow 40+ times; this runs each
binary's console entry point (``run()``) once per case, from the flags'
defaults, the way a user's shell would, and records its exit status and
what it printed.

stdin: {"binary": "sasrnet_detect", "cases": [[arg, ...], ...]}
stdout (last line): a JSON list of {"code", "stderr", "stdout"} per case.
"""

import contextlib
import importlib
import io
import json
import sys
import traceback

from absl import flags


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
    binary = spec["binary"]
    module = importlib.import_module(f"keras_sasrnet.bin.{binary}")
    results = [_run(module, binary, args) for args in spec["cases"]]
    sys.__stdout__.write("\n" + json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
