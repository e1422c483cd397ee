"""Batch-1 CPU latency and size of a detector and its slimmed copies, per format.

  sasrnet_bench_latency --arch=srnet --input_size=256 \
      --prune_rates=0.4,0.6,0.8 --out=work/latency

For the full model and a slimmed copy per rate: the median batch-1 latency of
Keras (a compiled tf.function) and of LiteRT on each TFLite precision, file
sizes, params and MACs. Untrained models time like trained ones, so --arch is
slimmed with seeded random gammas; --model takes a trained .keras file and its
gammas. Writes out/latency.{json,md}.
"""

from keras_sasrnet import cli
from keras_sasrnet.export import latency

cli.define_model_flags("A trained .keras model; overrides --arch.", min_size=8)
cli.define_prune_rates(["0.4", "0.6", "0.8"], "Slimmed copies to time.")
cli.define_importance()
cli.define_modes("time")
cli.define_timing_flags()
cli.define_seed("Seed of the random gammas (--arch).")
cli.define_out("Output folder for latency.json and latency.md.", required=True)


def main(argv):
    del argv
    modes, rates = cli.modes(), cli.prune_rates()
    names = "input_size", "out", "timing_flags", "seed", "importance"
    latency.bench(cli.load_model(), rates, modes, **cli.kwargs(*names))


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
