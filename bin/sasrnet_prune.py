"""Prunes a trained model: plan + rebuilt model (+ accuracy right after).

  sasrnet_prune --model=work/demo/sparse/model.keras --rate=0.6 \
      --out=work/p60 --covers=DEMO_COVERS --stegos=DEMO_STEGOS

  sasrnet_prune --model=work/demo/sparse/model.keras --select=zeros --out=work/z

One global threshold over the channel scores (--importance, default |gamma|)
of every channel group (channels tied by residual adds go together), or
exactly the channels sparsity training set to zero (--select=zeros); floors
and rounding as flagged. Writes
out/plan.json, out/pruned.keras and out/metrics.json.
"""

import json

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.train import pipeline

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "The trained .keras model.")
flags.DEFINE_float(
    "rate",
    None,
    "Fraction of prunable channels to remove, [0, 1); required with "
    "--select=rate, ignored with --select=zeros.",
)
flags.DEFINE_string("out", None, "Output folder.")
cli.define_plan_flags()
cli.define_selection_flags()
flags.DEFINE_string("covers", None, "Cover set to score accuracy before/after.")
flags.DEFINE_string("stegos", None, "Its stego set.")
flags.DEFINE_enum("split", "val", ["train", "val", "test"], "Split to score on.")
flags.mark_flags_as_required(["model", "out"])


def main(argv):
    del argv
    if bool(FLAGS.covers) != bool(FLAGS.stegos):
        raise ValueError("--covers and --stegos go together")
    if FLAGS.rate is None and FLAGS.select == "rate":
        raise ValueError("--rate is required with --select=rate")
    metrics = pipeline.prune_model(
        FLAGS.model,
        FLAGS.out,
        FLAGS.rate or 0.0,
        FLAGS.covers,
        FLAGS.stegos,
        FLAGS.split,
        **cli.plan_kwargs(),
    )
    print(json.dumps(metrics, indent=1))


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
