"""Runs a binary of bin/ in this process, as its console command would.

A subprocess per run imports TensorFlow again (4 s on 2 cores); in-process,
a binary costs only its own work. Each run removes the flags the previous
binary defined, imports the binary afresh (its module defines its flags)
and calls its console entry point ``run()`` with ``args`` as the command
line, recording the exit status and what it printed. Keep a subprocess
where a fresh process is the point: kill -9, a crash that ends the process,
start-up state, distribution.
"""

import contextlib
import dataclasses
import importlib
import io
import json
import sys
import traceback

from absl import flags
from keras_sasrnet.bin import reference


@dataclasses.dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def printed_json(self):
        """The JSON object the binary printed last (``cli.print_json``)."""
        text = "\n" + self.stdout
        return json.loads(text[text.rindex("\n{\n") :])


def _forget_binary_flags():
    """Removes every flag not defined by absl itself (a binary imported
    outside ``run_binary``)."""
    reference.forget_flags()
    # ml_collections loads --config=FILE as module "<flag>_config" and, when
    # that name is taken, executes the next file into the old module: a file
    # without get_config would then find the previous file's.
    for module in [m for m in sys.modules if m.endswith("_config") and "." not in m]:
        del sys.modules[module]


def run_binary(binary, *args):
    """Runs ``binary`` (e.g. "sasrnet_prune") with ``args``; a ``Result``.

    A traceback is recorded in stderr with exit status 1, as the interpreter
    would print it.
    """
    _forget_binary_flags()
    before = set(flags.FLAGS)
    name = f"keras_sasrnet.bin.{binary}"
    sys.modules.pop(name, None)
    module = importlib.import_module(name)
    saved_argv, saved_doc = sys.argv, getattr(sys.modules["__main__"], "__doc__", None)
    sys.argv = [binary, *map(str, args)]
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    code = 0
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                module.entry()
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if not e.code else 1)
            except BaseException:  # what the interpreter would print
                traceback.print_exc()
                code = 1
    finally:
        # The binary's flags, and the --config.* overrides that parsing
        # defined (absl registers those as its own module's).
        for added in set(flags.FLAGS) - before:
            delattr(flags.FLAGS, added)
        sys.argv = saved_argv
        sys.modules["__main__"].__doc__ = saved_doc  # cli.start sets it for --help
    texts = []
    for stream in (err, out):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8", "replace"))
    return Result(code, stdout=texts[1], stderr=texts[0])


def run_in_each_precision(binary, *args, out):
    """Runs ``binary`` without --precision and with --precision=tf32, each
    from the TF32 state it must leave (so the binary has to switch), and
    checks exit status 0 and the state after. ``out(tf32)`` names each
    run's output; returns {tf32: that output}."""
    import tensorflow as tf

    from keras_sasrnet import precision

    outputs = {}
    for extra, tf32 in (((), False), (("--precision=tf32",), True)):
        tf.config.experimental.enable_tensor_float_32_execution(not tf32)
        outputs[tf32] = out(tf32)
        result = run_binary(binary, *args, f"--out={outputs[tf32]}", *extra)
        assert result.code == 0, result.stderr[-2000:]
        assert precision.tf32_enabled() is tf32, (binary, extra)
    return outputs
