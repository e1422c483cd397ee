"""Fine-tunes a (pruned) model with a config's fine-tuning recipe.

  sasrnet_finetune --config=configs/demo.py --model=work/p60/pruned.keras \
      --workdir=work/p60_ft

Uses the config's data and its finetune.* recipe; writes workdir/model.keras
and workdir/finetune/done.json (test accuracy, P_E, params, MACs, latency).
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
    "--config.a.b=value (the finetune.* fields set the recipe).",
    lock_config=True,
)
flags.DEFINE_string("model", None, "The .keras model to fine-tune.")
flags.DEFINE_string("workdir", None, "Output folder (resumed if it exists).")
flags.mark_flags_as_required(["config", "model", "workdir"])

cli.define_overwrite("workdir", "a fine-tuning")


def main(argv):
    del argv
    metrics = pipeline.finetune_model(
        FLAGS.config, FLAGS.model, FLAGS.workdir, overwrite=FLAGS.overwrite
    )
    print(json.dumps(metrics, indent=1))


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
