"""Importing TensorFlow without its C++ start-up lines (no Keras import here).

TF's C++ start-up lines (oneDNN, CUDA probing) bypass TF_CPP_MIN_LOG_LEVEL in
TF 2.21 and would bury a binary's one-line error messages. ``import
keras_sasrnet`` registers the package's Keras objects, which imports Keras and
so TensorFlow: this runs first. SASRNET_TF_LOGS=1 shows the lines.
"""

import os


def import_tensorflow():
    """Imports TensorFlow with stderr silenced, if Keras will run on it."""
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ.get("SASRNET_TF_LOGS"):
        return
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf

        tf.config.list_physical_devices()  # CUDA probing logs here, once
    except ImportError:
        pass  # Keras on another backend (keras.json)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
