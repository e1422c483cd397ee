"""``python -m benchmarks.slimming`` is ``python -m benchmarks.slimming.run``."""

from benchmarks.slimming.run import main
from keras_sasrnet import cli

if __name__ == "__main__":
    cli.start(main)
