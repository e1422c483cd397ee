"""Trains a detector (the schedule's baseline stage) from a config.

  sasrnet_train --config=configs/demo.py --workdir=work/xunet
  sasrnet_train --config=configs/demo.py --config.model.arch=srnet \
      --config.baseline.steps=4000 --workdir=work/srnet

Writes workdir/baseline/: best.keras (best validation accuracy), train/
(checkpoints, history.csv, TensorBoard logs), done.json (test accuracy,
P_E, params, MACs, latency). Rerunning resumes after the last epoch.
"""

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.train import pipeline

FLAGS = flags.FLAGS
cli.define_config("the baseline.* fields set the budget")
cli.define_workdir("Output folder (resumed if it exists).")
cli.define_overwrite("workdir", "a run")


def main(argv):
    del argv
    metrics = pipeline.train_model(
        FLAGS.config, FLAGS.workdir, overwrite=FLAGS.overwrite
    )
    cli.print_json(metrics)


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
