"""Batch-1 CPU latency and size of a detector and its slimmed copies, per format.

  sasrnet_bench_latency --arch=srnet --input_size=256 \
      --prune_rates=0.4,0.6,0.8 --out=work/latency

For each model (the full one, then one slimmed copy per rate): the median
batch-1 latency of the Keras model (a compiled tf.function) and of the LiteRT
interpreter on each TFLite precision, the file sizes, params and MACs.
Untrained models time like trained ones, so a named architecture is slimmed
with seeded random gammas; --model takes a trained .keras file and its
gammas. Writes out/latency.{json,md}.
"""

import os

from absl import flags

from keras_sasrnet import atomic, cli, models, profile, slimming
from keras_sasrnet.export import convert, latency
from keras_sasrnet.slimming import importance

FLAGS = flags.FLAGS
flags.DEFINE_enum("arch", "srnet", list(models.ARCHITECTURES), "Architecture to build.")
flags.DEFINE_string("model", None, "A trained .keras model; overrides --arch.")
flags.DEFINE_integer("input_size", 256, "Image side in pixels (H = W).", lower_bound=8)
flags.DEFINE_list("prune_rates", ["0.4", "0.6", "0.8"], "Slimmed copies to time.")
flags.DEFINE_enum(
    "importance",
    "gamma",
    list(importance.SCORERS),
    importance.HELP,
)
flags.DEFINE_list("modes", list(convert.MODES), "TFLite precisions to time.")
cli.define_timing_flags()
flags.DEFINE_integer("seed", 0, "Seed of the random gammas (--arch).")
flags.DEFINE_string("out", None, "Output folder for latency.json and latency.md.")
flags.mark_flag_as_required("out")


def main(argv):
    del argv
    for mode in FLAGS.modes:
        if mode not in convert.MODES:
            raise ValueError(f"--modes: {mode!r} is not one of {convert.MODES}")
    rates = [
        slimming.check_rate(r)
        for r in cli.parse_floats(FLAGS.prune_rates, "prune_rates")
    ]
    size = (FLAGS.input_size, FLAGS.input_size)
    if FLAGS.model:
        model = models.load(FLAGS.model, input_size=size)
    else:
        model = models.build(FLAGS.arch, input_shape=(*size, 1))
        slimming.randomize_gammas(model, FLAGS.seed)
    variants = [(f"{model.name} (full)", model)]
    for rate in rates:
        slim, _ = slimming.slim(
            model, rate, importance=FLAGS.importance, seed=FLAGS.seed
        )
        variants.append((f"slimmed {rate:.0%}", slim))
    rows = []
    for name, m in variants:
        print(f"timing {name} ...", flush=True)
        rows.append(
            {
                "name": name,
                "params": profile.count_params(m)[0],
                "macs": sum(profile.count_macs(m, size).values()),
                "formats": latency.formats(
                    m, size, FLAGS.modes, FLAGS.warmup, FLAGS.repeats, log=print
                ),
            }
        )
    table = latency.format_table(rows)
    note = (
        f"{size[0]}x{size[1]} grayscale input, batch 1, median of {FLAGS.repeats} "
        f"calls on {os.cpu_count()} CPU threads (ms); trainable params; sizes "
        "are the files."
    )
    os.makedirs(FLAGS.out, exist_ok=True)
    atomic.write_json(os.path.join(FLAGS.out, "latency.json"), rows)
    atomic.write_text(os.path.join(FLAGS.out, "latency.md"), f"{note}\n\n{table}\n")
    print(f"\n{note}\n\n{table}\n\nwrote {FLAGS.out}/latency.md")


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
