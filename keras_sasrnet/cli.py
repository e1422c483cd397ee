"""What every binary in bin/ shares: quiet TF logs, one-line errors."""

import os
import sys

# Set before TensorFlow is imported: its C++ start-up chatter hides the output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402

# Errors a user can fix from the command line: shown as one line, no traceback.
USER_ERRORS = (ValueError, FileNotFoundError, NotADirectoryError, PermissionError)


def run(main):
    """``app.run(main)``, turning user errors into ``error: ...`` and exit 2."""

    def guarded(argv):
        if len(argv) > 1:
            raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
        try:
            return main(argv)
        except USER_ERRORS as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)

    app.run(guarded)


def parse_floats(values, name):
    """Floats from a list flag's strings, or a ValueError naming the flag."""
    try:
        return [float(v) for v in values]
    except ValueError:
        raise ValueError(
            f"--{name} takes numbers; received {','.join(values)}"
        ) from None
