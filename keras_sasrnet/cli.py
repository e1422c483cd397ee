"""What every binary in bin/ shares: quiet TF logs, one-line errors."""

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

    app.run(guarded)


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
    # Listed by --help as the calling binary's own flag, not cli's.
    caller = sys._getframe(1).f_globals["__name__"]
    if caller == "__main__":  # absl files __main__'s flags under argv[0]
        caller = sys.argv[0]
    flags.FLAGS.register_key_flag_for_module(caller, flags.FLAGS["overwrite"])


def parse_floats(values, name):
    """Floats from a list flag's strings, or a ValueError naming the flag."""
    try:
        return [float(v) for v in values]
    except ValueError:
        raise ValueError(
            f"--{name} takes numbers; received {','.join(values)}"
        ) from None
