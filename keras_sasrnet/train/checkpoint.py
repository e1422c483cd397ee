"""The commit protocol of a training: a checkpoint per epoch, then state.json.

Every epoch ends with a checkpoint of the model *with its optimizer state*
and ``state.json`` written atomically: the commit point a resumed training
starts from. ``best.keras`` is a copy of the best epoch's checkpoint made
after the commit, so it never holds an epoch the state does not know.
"""

import json
import math
import os
import shutil
import time

import keras

from keras_sasrnet import atomic
from keras_sasrnet.models.io import save

STATE = "state.json"
BEST = "best.keras"


def settle_best(workdir, state):
    """Copies the last checkpoint to ``best.keras`` where the state says that
    epoch is the best: after each commit, and on a resume (a kill between the
    commit and the copy left ``best.keras`` an earlier epoch's)."""
    name = state.get("checkpoint")
    if name and state.get("best_epoch") and state["best_epoch"] == state["epoch"]:
        with atomic.replacing(os.path.join(workdir, BEST), ".keras") as tmp:
            shutil.copyfile(os.path.join(workdir, name), tmp)


def load_state(workdir):
    """The committed training state of ``workdir``, or None."""
    path = os.path.join(workdir, STATE)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


class Checkpoint(keras.callbacks.Callback):
    """Per epoch: NaN check, checkpoint, best model, state (the commit)."""

    def __init__(self, workdir, state, chief, log):
        super().__init__()
        self.workdir, self.state, self.chief, self.log = workdir, state, chief, log
        self.started = time.time()

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.time()

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if not all(math.isfinite(v) for v in logs.values()):
            self.model.stop_training = True
            self.state["stopped"] = f"non-finite loss or metric at epoch {epoch + 1}"
            return
        logs["epoch"] = epoch + 1
        logs["seconds"] = round(time.time() - self.started, 2)
        if "val_accuracy" in logs:
            logs["val_pe"] = 1 - logs["val_accuracy"]
        self.state["history"].append(logs)
        self.state["epoch"] = epoch + 1
        improved = logs.get("val_accuracy", -1) > self.state["best_val_accuracy"]
        if improved:
            self.state["best_val_accuracy"] = logs["val_accuracy"]
            self.state["best_epoch"] = epoch + 1
        if self.chief:
            name = f"epoch_{epoch + 1:04d}.keras"
            save(self.model, os.path.join(self.workdir, name))
            previous = self.state.get("checkpoint")
            self.state["checkpoint"] = name
            atomic.write_json(os.path.join(self.workdir, STATE), self.state)
            settle_best(self.workdir, self.state)
            if previous and previous != name:
                os.remove(os.path.join(self.workdir, previous))
        self.log(_epoch_line(logs, self.state))


def _epoch_line(logs, state):
    parts = [f"epoch {logs['epoch']}/{state['epochs']}"]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "val_pe"):
        if key in logs:
            parts.append(f"{key} {logs[key]:.4f}")
    parts.append(f"{logs['seconds']:.1f} s")
    return "  ".join(parts)
