"""Trains a detector (the schedule's baseline stage) from a config.

  sasrnet_train --config=configs/demo.py --workdir=work/xunet
  sasrnet_train --config=configs/demo.py --config.model.arch=srnet \
      --config.baseline.steps=4000 --workdir=work/srnet

Writes workdir/baseline/: best.keras (best validation accuracy), train/
(checkpoints, history.csv, TensorBoard logs), done.json (test accuracy,
P_E, params, MACs, latency). Rerunning resumes after the last epoch.
"""

import json

from absl import flags
from ml_collections import config_flags

from keras_sasrnet import cli
from keras_sasrnet.train import pipeline

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file(
    "config",
    None,
    "Experiment config file (configs/*.py); override fields with "
    "--config.a.b=value (the baseline.* fields set the budget).",
    lock_config=True,
)
flags.DEFINE_string("workdir", None, "Output folder (resumed if it exists).")
flags.mark_flags_as_required(["config", "workdir"])

cli.define_overwrite("workdir", "a run")


def main(argv):
    del argv
    metrics = pipeline.train_model(
        FLAGS.config, FLAGS.workdir, overwrite=FLAGS.overwrite
    )
    print(json.dumps(metrics, indent=1))


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
