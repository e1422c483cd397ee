"""The absl binaries, installed as ``keras_sasrnet.bin`` and console commands.

Importing this package first imports TensorFlow with its C++ start-up log
silenced, before any binary's own imports can pull it in.
"""

from keras_sasrnet import cli

cli.import_tensorflow_quietly()
