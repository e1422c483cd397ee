"""Fine-tunes a (pruned) model with a config's fine-tuning recipe.

  sasrnet_finetune --config=configs/demo.py --model=work/p60/pruned.keras \
      --workdir=work/p60_ft

Uses the config's data and its finetune.* recipe; writes workdir/model.keras
and workdir/finetune/done.json (test accuracy, P_E, params, MACs, latency).
"""

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.train import pipeline

FLAGS = flags.FLAGS
cli.define_config("the finetune.* fields set the recipe")
cli.define_model("The .keras model to fine-tune.", required=True)
cli.define_workdir("Output folder (resumed if it exists).")
cli.define_overwrite("workdir", "a fine-tuning")


def main(argv):
    del argv
    metrics = pipeline.finetune_model(
        FLAGS.config, FLAGS.model, FLAGS.workdir, overwrite=FLAGS.overwrite
    )
    cli.print_json(metrics)


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
