"""The flags several binaries share, each defined once: ``cli.define_<name>()``.

A definer lists its flags under the calling binary in ``--help`` (``_own``).
``define_<name>()`` defines the flag ``--<name>``, or, for a group, the flags
``SHARED[name]`` lists; ``kwargs`` hands flag values on to library functions.
The flags of slimming and measuring are in ``slim_flags``, the model a
measuring binary works on in ``model_flags``, sasrnet_prepare's groups in
``prepare_flags``.
"""

import sys

from absl import flags

# The flags each shared group defines (``define_<group>()``), for --help checks.
SHARED = {
    "plan_flags": ("aggregate", "importance", "min_channels", "round_to"),
    "selection_flags": ("select", "zero_threshold", "fold"),
    "timing_flags": ("warmup", "repeats"),
    "model_flags": ("arch", "model", "input_size"),
    "pair_flags": ("covers", "stegos"),
    "source_flags": (
        "src",
        "resize",
        "jpeg_quality",
        "convert_color",
        "skip_bad",
        "crop",
        "stride",
        "photo_side",
    ),
    "split_flags": ("split", "group_by", "seed"),
}


def define_out(help, default=None, required=False):
    """The ``--out`` flag: where a binary writes (a file or a folder)."""
    flags.DEFINE_string("out", default, help, required=required)
    _own(_caller(), "out")


def define_model(help, required=False):
    """The ``--model`` flag: the model file a binary reads."""
    flags.DEFINE_string("model", None, help, required=required)
    _own(_caller(), "model")


def define_workdir(help):
    """The required ``--workdir`` flag of the training binaries."""
    flags.DEFINE_string("workdir", None, help, required=True)
    _own(_caller(), "workdir")


def define_config(note=None):
    """The required ``--config`` flag: an experiment config file (locked).

    ``note``: which of its fields matter to this binary, for the help text.
    """
    from ml_collections import config_flags

    config_flags.DEFINE_config_file(
        "config",
        None,
        "Experiment config file (configs/*.py, ':arg' optional); override "
        "fields with --config.a.b=value" + (f" ({note})." if note else "."),
        lock_config=True,
    )
    flags.mark_flag_as_required("config")
    _own(_caller(), "config")


def define_seed(help):
    """The ``--seed`` flag (default 0); ``help`` says what it seeds."""
    flags.DEFINE_integer("seed", 0, help)
    _own(_caller(), "seed")


def define_precision():
    """The ``--precision`` flag of binaries that run detectors."""
    from keras_sasrnet import precision

    flags.DEFINE_enum("precision", "float32", precision.MODES, precision.HELP)
    _own(_caller(), "precision")


def define_workers():
    """The ``--workers`` flag of binaries that work on all cores."""
    flags.DEFINE_integer("workers", 0, "Processes (0: all cores).", lower_bound=0)
    _own(_caller(), "workers")


def define_overwrite(folder_flag, what):
    """The shared ``--overwrite`` flag of binaries with resumable outputs."""
    flags.DEFINE_bool(
        "overwrite",
        False,
        f"If --{folder_flag} holds {what} made with other settings, delete it "
        "and start over (default: stop and list the differing settings; the "
        "same settings resume).",
    )
    _own(_caller(), "overwrite")


def define_trust_savedmodel():
    """The shared ``--trust_savedmodel`` flag of binaries that open detectors."""
    flags.DEFINE_bool(
        "trust_savedmodel",
        False,
        "Open SavedModel folders. Loading one runs the TensorFlow ops stored in "
        "its graph, which may read or write files, so they are refused unless "
        "you made the model or trust its source (.keras files load in Keras' "
        "safe mode; .tflite files run only LiteRT's built-in ops).",
    )
    _own(_caller(), "trust_savedmodel")


def define_pair_flags(covers_help):
    """A cover set (``covers_help`` says what for) and its stego set."""
    flags.DEFINE_string("covers", None, covers_help)
    flags.DEFINE_string("stegos", None, "Its stego set.")
    _own_group(_caller(), "pair_flags")


def kwargs(*names, **renamed):
    """{flag: value} of the named flags and groups defined in this process.

    ``renamed`` adds flags under other names ({flag: argument name}).

    Example:
        >>> export_all(**kwargs("out", model="model_path"))
    """
    names = [n for name in names for n in SHARED.get(name, (name,))]
    values = {n: flags.FLAGS[n].value for n in names if n in flags.FLAGS}
    return values | {to: flags.FLAGS[n].value for n, to in renamed.items()}


def plan_kwargs():
    """The plan flags defined in this process, as ``slimming.slim`` arguments."""
    return kwargs("plan_flags", "selection_flags")


def parse_floats(values, name):
    """Floats from a list flag's strings, or a ValueError naming the flag."""
    try:
        return [float(v) for v in values]
    except ValueError:
        raise ValueError(
            f"--{name} takes numbers; received {','.join(values)}"
        ) from None


def _caller():
    """The module of the binary that called a definer (two frames up)."""
    return sys._getframe(2).f_globals["__name__"]


def _own_group(caller, group):
    for name in SHARED[group]:
        _own(caller, name)


def _own(caller, name):
    """Lists a flag defined here under the calling binary in its --help."""
    if caller == "__main__":  # absl files __main__'s flags under argv[0]
        caller = sys.argv[0]
    flags.FLAGS.register_key_flag_for_module(caller, flags.FLAGS[name])
