"""What every binary in bin/ shares: quiet TF logs, one-line errors, flags.

The flags several binaries define alike come from ``cli.define_<name>()``:
``common_flags`` (every kind of binary), ``model_flags`` (which model a
measuring binary works on, and ``load_model``), ``slim_flags`` (slimming
and measuring), ``prepare_flags`` (sasrnet_prepare's groups).
"""

import json
import os
import re
import sys

from absl import app, flags, logging

from keras_sasrnet import _quiet
from keras_sasrnet.cli.common_flags import (
    SHARED,
    define_config,
    define_model,
    define_out,
    define_overwrite,
    define_pair_flags,
    define_precision,
    define_seed,
    define_trust_savedmodel,
    define_workdir,
    define_workers,
    kwargs,
    parse_floats,
    plan_kwargs,
)
from keras_sasrnet.cli.model_flags import define_model_flags, load_model
from keras_sasrnet.cli.prepare_flags import define_source_flags, define_split_flags
from keras_sasrnet.cli.slim_flags import (
    define_importance,
    define_modes,
    define_plan_flags,
    define_prune_rates,
    define_selection_flags,
    define_timing_flags,
    modes,
    prune_rates,
)

__all__ = [
    "SHARED",
    "USER_ERRORS",
    "define_config",
    "define_importance",
    "define_model",
    "define_model_flags",
    "define_modes",
    "define_out",
    "define_overwrite",
    "define_pair_flags",
    "define_plan_flags",
    "define_precision",
    "define_prune_rates",
    "define_seed",
    "define_selection_flags",
    "define_source_flags",
    "define_split_flags",
    "define_timing_flags",
    "define_trust_savedmodel",
    "define_workdir",
    "define_workers",
    "import_tensorflow_quietly",
    "kwargs",
    "load_model",
    "modes",
    "parse_floats",
    "plan_kwargs",
    "print_json",
    "prune_rates",
    "start",
]


def import_tensorflow_quietly():
    """Imports TensorFlow with its C++ start-up log silenced (``_quiet``)."""
    _quiet.import_tensorflow()


# Errors a user can fix from the command line: shown as one line, no traceback.
USER_ERRORS = (ValueError, FileNotFoundError, NotADirectoryError, PermissionError)


def start(main):
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


def print_json(data):
    """Prints ``data`` as indented JSON: the metrics a binary reports."""
    print(json.dumps(data, indent=1))


def _parse_flags(argv):
    """absl's parser, with every flag error as one ``error:`` line and exit 2.

    absl's own ``parse_flags_with_usage`` prints ``FATAL Flags parsing
    error`` and a hint, and exits 1; ml_collections' ``--config`` raises
    instead (a missing or broken config file, an unknown ``--config.field``),
    which printed a traceback.
    """
    try:
        args = flags.FLAGS(argv)
    except flags.Error as e:
        print(f"error: {_flag_error(e)}", file=sys.stderr)
        sys.exit(2)
    except (KeyError, AttributeError, OSError, ImportError, SyntaxError) as e:
        print(f"error: {_config_error(e, argv)}", file=sys.stderr)
        sys.exit(2)
    try:
        for name in list(flags.FLAGS):
            flag = flags.FLAGS[name]
            if type(flag).__name__ == "_ConfigFlag" and flag.present:
                # A config file that failed to load raises only when used.
                getattr(flag.value, "keys", None)
        return args
    except (KeyError, AttributeError, OSError, ImportError, SyntaxError) as e:
        print(f"error: {_config_error(e, argv)}", file=sys.stderr)
        sys.exit(2)


def _flag_error(error):
    """absl's message on one line; required flags named as such."""
    missing = re.findall(r"Flag (--\w+) must have a value other than None", str(error))
    if missing:
        return f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required"
    return "; ".join(line.strip() for line in str(error).splitlines() if line.strip())


def _config_error(error, argv):
    files = [a.split("=", 1)[1] for a in argv if a.startswith("--config=")]
    for spec in files:
        path = spec.split(":", 1)[0]
        if not os.path.isfile(path):
            return f"--config: no such file {path}"
    if isinstance(error, AttributeError) and "get_config" in str(error):
        where = f"--config={files[0]}" if files else "--config"
        return f"{where}: the file defines no get_config() function"
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
