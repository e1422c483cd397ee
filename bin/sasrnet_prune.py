"""Prunes a trained model: plan + rebuilt model (+ accuracy right after).

  sasrnet_prune --model=work/demo/sparse/model.keras --rate=0.6 \
      --out=work/p60 --covers=DEMO_COVERS --stegos=DEMO_STEGOS
  sasrnet_prune --model=work/demo/sparse/model.keras --select=zeros --out=work/z

One global threshold over the channel scores (--importance) of every channel
group (channels tied by residual adds go together), the channels sparsity
training zeroed (--select=zeros), or a latency budget (--latency_table,
--latency_budget: lowest score per ms saved first). Writes
out/{plan.json,pruned.keras,metrics.json}.
"""

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.train import pipeline

cli.define_model("The trained .keras model.", required=True)
flags.DEFINE_float(
    "rate", None, "Fraction of prunable channels to remove, [0, 1); --select=rate."
)
cli.define_out("Output folder.", required=True)
cli.define_plan_flags()
cli.define_selection_flags()
cli.define_pair_flags("Cover set to score accuracy before/after.")
flags.DEFINE_enum("split", "val", ["train", "val", "test"], "Split to score on.")
flags.DEFINE_string(
    "latency_table",
    None,
    "A latency model (table.json of benchmarks/latency): prune to "
    "--latency_budget of the model's predicted latency instead of a rate.",
)
flags.DEFINE_float(
    "latency_budget",
    None,
    "Fraction of the predicted latency to keep, in (0, 1), with --latency_table "
    "(channels go lowest score per ms saved first).",
)


def main(argv):
    del argv
    names = "out", "rate", "covers", "stegos", "split", "latency_table"
    names += ("latency_budget", "plan_flags", "selection_flags")
    cli.print_json(pipeline.prune_model(**cli.kwargs(*names, model="model_path")))


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
