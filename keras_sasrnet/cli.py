"""What every binary in bin/ shares: quiet TF logs, one-line errors."""

import os
import sys

from absl import app, flags, logging

from keras_sasrnet import _quiet


def import_tensorflow_quietly():
    """Imports TensorFlow with its C++ start-up log silenced (``_quiet``)."""
    _quiet.import_tensorflow()


# Errors a user can fix from the command line: shown as one line, no traceback.
USER_ERRORS = (ValueError, FileNotFoundError, NotADirectoryError, PermissionError)


def run(main):
    """``app.run(main)``, turning user errors into ``error: ...`` and exit 2."""
    # Progress lines should reach a log file as they happen, not in blocks.
    sys.stdout.reconfigure(line_buffering=True)
    _help_for(main.__module__)

    def guarded(argv):
        # absl turns Python logging to INFO; TF's SavedModel writer then logs
        # every shard. --verbosity still overrides.
        if not flags.FLAGS["verbosity"].present:
            logging.set_verbosity(logging.WARNING)
        try:
            if len(argv) > 1:
                raise ValueError(f"unexpected arguments: {' '.join(argv[1:])}")
            return main(argv)
        except USER_ERRORS as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)

    app.run(guarded, flags_parser=_parse_flags)


def _parse_flags(argv):
    """absl's parser, with config-file errors as one line and exit 2.

    absl reports a bad flag value itself (``FATAL Flags parsing error``);
    ml_collections' ``--config`` raises instead (a missing or broken config
    file, an unknown ``--config.field``), which printed a traceback.
    """
    try:
        args = app.parse_flags_with_usage(argv)
        for name in list(flags.FLAGS):
            flag = flags.FLAGS[name]
            if type(flag).__name__ == "_ConfigFlag" and flag.present:
                # A config file that failed to load raises only when used.
                getattr(flag.value, "keys", None)
        return args
    except (KeyError, AttributeError, OSError, ImportError, SyntaxError) as e:
        print(f"error: {_config_error(e, argv)}", file=sys.stderr)
        sys.exit(2)


def _config_error(error, argv):
    files = [a.split("=", 1)[1] for a in argv if a.startswith("--config=")]
    for spec in files:
        path = spec.split(":", 1)[0]
        if not os.path.isfile(path):
            return f"--config: no such file {path}"
    if isinstance(error, (KeyError, AttributeError)):
        field = str(error.args[0] if error.args else error).strip("'\"")
        given = [a.split("=", 1)[0] for a in argv if a.startswith("--config.")]
        named = [g for g in given if g.split(".")[-1] == field] or given
        return f"{', '.join(named) or '--config'}: the config has no field {field!r}"
    cause = error
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__
    where = f"--config={files[0]}" if files else "--config"
    return f"{where}: cannot load it ({type(cause).__name__}: {cause})".splitlines()[0]


def _help_for(module_name):
    """Makes ``--help`` list a binary's flags when it runs as a console script.

    absl's ``--help`` shows the key flags of ``sys.argv[0]`` and the usage
    text of ``__main__``; under a console-script entry point those are the
    wrapper script, not the binary's module, so ``--help`` listed no flag.
    """
    if module_name == "__main__":
        return  # python bin/x.py or python -m: absl finds them itself
    module = sys.modules.get(module_name)
    for flag in flags.FLAGS.get_key_flags_for_module(module_name):
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    main = sys.modules.get("__main__")
    if module is not None and main is not None and module.__doc__:
        main.__doc__ = module.__doc__


def define_overwrite(folder_flag, what):
    """The shared ``--overwrite`` flag of binaries with resumable outputs."""
    flags.DEFINE_bool(
        "overwrite",
        False,
        f"If --{folder_flag} holds {what} made with other settings, delete it "
        "and start over (default: stop and list the differing settings; the "
        "same settings resume).",
    )
    _own(sys._getframe(1).f_globals["__name__"], "overwrite")


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
    _own(sys._getframe(1).f_globals["__name__"], "trust_savedmodel")


# The flags each shared group defines (``define_<group>()``), for --help checks.
SHARED = {
    "plan_flags": ("aggregate", "importance", "min_channels", "round_to"),
    "selection_flags": ("select", "zero_threshold", "fold"),
    "timing_flags": ("warmup", "repeats"),
}


def define_plan_flags():
    """How channels are scored and kept: the plan flags of prune and profile."""
    from keras_sasrnet.slimming import importance

    flags.DEFINE_enum(
        "aggregate",
        "mean",
        list(importance.AGGREGATES),
        "How the |gamma| of BNs tied by a residual add are combined.",
    )
    flags.DEFINE_enum("importance", "gamma", list(importance.SCORERS), importance.HELP)
    flags.DEFINE_integer(
        "min_channels", 1, "Fewest channels a layer keeps.", lower_bound=1
    )
    flags.DEFINE_integer(
        "round_to", 1, "Round kept widths up to a multiple of this.", lower_bound=1
    )
    _own_group(sys._getframe(1).f_globals["__name__"], "plan_flags")


def define_selection_flags():
    """Which channels go: a rate, or exactly what sparsity emptied."""
    from keras_sasrnet.slimming.plan import SELECTIONS

    flags.DEFINE_enum(
        "select",
        "rate",
        list(SELECTIONS),
        "rate: remove the --rate lowest-scored channels; zeros: remove every "
        "channel scored <= --zero_threshold (what sparsity training emptied; "
        "--rate is then ignored and the rate it gives is reported).",
    )
    flags.DEFINE_float(
        "zero_threshold", 0.0, "Score counted as zero with --select=zeros."
    )
    flags.DEFINE_bool(
        "fold", True, "Fold removed constant channels into what reads them."
    )
    _own_group(sys._getframe(1).f_globals["__name__"], "selection_flags")


def define_timing_flags():
    """How latency is timed."""
    flags.DEFINE_integer("warmup", 2, "Untimed calls before timing.", lower_bound=0)
    flags.DEFINE_integer("repeats", 10, "Timed calls (median reported).", lower_bound=1)
    _own_group(sys._getframe(1).f_globals["__name__"], "timing_flags")


def plan_kwargs():
    """The plan flags defined in this process, as ``slimming.slim`` arguments."""
    names = [n for group in ("plan_flags", "selection_flags") for n in SHARED[group]]
    return {n: flags.FLAGS[n].value for n in names if n in flags.FLAGS}


def _own_group(caller, group):
    for name in SHARED[group]:
        _own(caller, name)


def _own(caller, name):
    """Lists a flag defined here under the calling binary in its --help."""
    if caller == "__main__":  # absl files __main__'s flags under argv[0]
        caller = sys.argv[0]
    flags.FLAGS.register_key_flag_for_module(caller, flags.FLAGS[name])


def parse_floats(values, name):
    """Floats from a list flag's strings, or a ValueError naming the flag."""
    try:
        return [float(v) for v in values]
    except ValueError:
        raise ValueError(
            f"--{name} takes numbers; received {','.join(values)}"
        ) from None
