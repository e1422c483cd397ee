"""Params, MACs and CPU latency of a detector and of its slimmed copies.

  sasrnet_profile --arch=srnet --input_size=256 --prune_rates=0.4,0.6,0.8

Shows what slimming buys before any training. An untrained --arch ranks channels
by seeded random gammas (--gammas=random); a trained --model keeps its own.
"""

from absl import flags

from keras_sasrnet import cli, profile

FLAGS = flags.FLAGS
cli.define_model_flags("A .keras model file; overrides --arch.", min_size=1)
flags.DEFINE_float("width_scale", 1.0, "Multiplier on the reference widths (--arch).")
cli.define_prune_rates([], "Comma-separated prune rates in [0, 1).")
flags.DEFINE_enum("gammas", "auto", ["auto", "model", "random"], profile.GAMMAS_HELP)
cli.define_seed("Seed of --gammas=random.")
cli.define_plan_flags()
flags.DEFINE_list("batch_sizes", ["1", "8"], "Batch sizes to time (empty: none).")
cli.define_timing_flags()
flags.DEFINE_string("json_out", None, "Also write the figures to this JSON file.")


def main(argv):
    del argv
    rates = cli.prune_rates()
    batches = cli.parse_floats(FLAGS.batch_sizes, "batch_sizes")
    model = cli.load_model(FLAGS.width_scale, FLAGS.gammas, log=print)
    names = "input_size", "timing_flags", "json_out", "seed", "plan_flags"
    profile.compare(model, rates, batches, **cli.kwargs(*names))


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
