"""Params, MACs and CPU latency of a detector and of its slimmed copies.

Shows what slimming buys before any training:

  sasrnet_profile --arch=srnet --input_size=256 --prune_rates=0.4,0.6,0.8

A named architecture is untrained, so its gammas are all equal; they are
replaced by seeded random values (--gammas=random) to rank channels. For a
trained model (--model=path.keras) its own gammas are used.
"""

from absl import flags

from keras_sasrnet import cli, models, profile, slimming

FLAGS = flags.FLAGS
flags.DEFINE_enum("arch", "srnet", list(models.ARCHITECTURES), "Architecture to build.")
flags.DEFINE_string("model", None, "A .keras model file; overrides --arch.")
flags.DEFINE_integer("input_size", 256, "Image side in pixels (H = W).", lower_bound=1)
flags.DEFINE_float("width_scale", 1.0, "Multiplier on the reference widths (--arch).")
flags.DEFINE_list("prune_rates", [], "Comma-separated prune rates in [0, 1).")
flags.DEFINE_enum(
    "gammas",
    "auto",
    ["auto", "model", "random"],
    "Channel scores: the model's |gamma|, seeded random ones, or "
    "auto (random for --arch, the model's for --model).",
)
flags.DEFINE_integer("seed", 0, "Seed of --gammas=random.")
cli.define_plan_flags()
flags.DEFINE_list(
    "batch_sizes",
    ["1", "8"],
    "Batch sizes to time; empty (--batch_sizes=) skips timing.",
)
cli.define_timing_flags()
flags.DEFINE_string("json_out", None, "Also write the figures to this JSON file.")


def main(argv):
    del argv
    rates = [
        slimming.check_rate(r)
        for r in cli.parse_floats(FLAGS.prune_rates, "prune_rates")
    ]
    batches = [int(b) for b in cli.parse_floats(FLAGS.batch_sizes, "batch_sizes")]
    size = (FLAGS.input_size, FLAGS.input_size)
    if FLAGS.model:
        model = models.load(FLAGS.model, input_size=size)
    else:
        model = models.build(FLAGS.arch, FLAGS.width_scale, input_shape=(*size, 1))
    gammas = FLAGS.gammas
    if gammas == "random" or (gammas == "auto" and not FLAGS.model):
        slimming.randomize_gammas(model, FLAGS.seed)
        print(f"channel scores: seeded random gammas (seed {FLAGS.seed})")
    variants = [(f"{model.name} (full)", model)]
    for rate in rates:
        slim, plan = slimming.slim(
            model,
            rate,
            seed=FLAGS.seed,
            **cli.plan_kwargs(),
        )
        variants.append((f"pruned {rate:.0%} ({plan.pruned_fraction:.1%} done)", slim))
    results = []
    for name, m in variants:
        print(f"profiling {name} ...", flush=True)
        results.append(
            profile.profile(m, size, batches, FLAGS.warmup, FLAGS.repeats, name=name)
        )
    print(
        f"\n{size[0]}x{size[1]} input, latency is the median of {FLAGS.repeats} "
        "CPU calls (ms per image)\n"
    )
    print(profile.format_table(results))
    if FLAGS.json_out:
        profile.save_json([profile.to_dict(p) for p in results], FLAGS.json_out)
        print(f"\nwrote {FLAGS.json_out}")


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
