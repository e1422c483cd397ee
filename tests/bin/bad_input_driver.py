"""Runs many command lines of one binary in one process (bad-input suite).

A subprocess per case would import TensorFlow 40+ times; this runs each
binary's console entry point once per case (``tests.binaries``), from the
flags' defaults, the way a user's shell would, and records its exit status
and what it printed. It is a process of its own because a bad file may end
the process it is read in (jpegio exits on a non-JPEG).

stdin: {"binary": "sasrnet_detect", "cases": [[arg, ...], ...]}, or a list
of such (one process for several binaries).
stdout (last line): a JSON list of {"code", "stderr", "stdout"} per case
(a list of such lists for a list).
"""

import dataclasses
import json
import sys

from tests.binaries import run_binary


def main():
    spec = json.load(sys.stdin)
    specs = spec if isinstance(spec, list) else [spec]
    results = [
        [dataclasses.asdict(run_binary(one["binary"], *args)) for args in one["cases"]]
        for one in specs
    ]
    out = results if isinstance(spec, list) else results[0]
    sys.__stdout__.write("\n" + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
