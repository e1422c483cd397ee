"""Accuracy right after pruning against MACs, without fine-tuning (SRNet).

  python -m benchmarks.sparsity.prune_frontier --workdir=work/sparsity/srnet \
      --runs=gprox_cost_a5e-3,prox_a9e-3

Reads the sparse models that run.py left in the work directory, prunes each
at several rates with the mean and the max aggregate over a group's BNs,
and measures validation accuracy right after pruning and MACs at 256x256.
Writes prune_frontier.json and prune_frontier.md beside this file. It shows
where SRNet breaks: any cut into the 16 full-resolution channels of the
residual stream (l2 .. l7) that sparsity did not empty sends it to chance.
"""

import os

from absl import app, flags

from benchmarks.sparsity import config as bench_config
from keras_sasrnet import atomic, models, profile, slimming
from keras_sasrnet.train.run import Run

HERE = os.path.dirname(os.path.abspath(__file__))

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "run.py's SRNet work directory.", required=True)
flags.DEFINE_list(
    "runs",
    ["gprox_cost_a5e-3", "gprox_cost_a1e-2_2k_d1k", "prox_a9e-3"],
    "Sparse runs to read.",
)
flags.DEFINE_list("rates", ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8"], "Prune rates.")


def main(argv):
    del argv
    c = bench_config.get_config("srnet")
    r = Run(c, FLAGS.workdir, print)
    base = r.load(os.path.join(FLAGS.workdir, "baseline", "best.keras"))

    def macs(m):
        at = models.io.reinput(m, (256, 256))
        return sum(profile.count_macs(at, (256, 256)).values())

    full = macs(base)
    rows = []
    for run in FLAGS.runs:
        sparse = r.load(os.path.join(FLAGS.workdir, run, "sparse", "model.keras"))
        # every rate per aggregate, then exactly the channels at zero
        settings = [(a, "rate", float(x)) for a in ("mean", "max") for x in FLAGS.rates]
        for aggregate, select, rate in settings + [("max", "zeros", 0.0)]:
            slim, plan = slimming.slim(sparse, rate, aggregate=aggregate, select=select)
            rows.append(
                {
                    "run": run,
                    "aggregate": aggregate,
                    "select": select,
                    "rate": plan.pruned_fraction if select == "zeros" else rate,
                    "macs_fraction": round(macs(slim) / full, 4),
                    "residual_stream": len(plan.keep["l2_conv"]),
                    "val_pruned": r.val_accuracy(slim),
                }
            )
            print(rows[-1], flush=True)
    atomic.write_json(os.path.join(HERE, "prune_frontier.json"), rows)
    atomic.write_text(os.path.join(HERE, "prune_frontier.md"), markdown(rows))


def markdown(rows):
    """prune_frontier.md from the rows of prune_frontier.json."""
    lines = [
        "# SRNet: accuracy right after pruning against MACs",
        "",
        "Generated from `prune_frontier.json` (no fine-tuning) by",
        "",
        "```bash",
        "python -m benchmarks.sparsity.prune_frontier --workdir=work/sparsity/srnet",
        "```",
        "",
        "after `run.py` (config.py:srnet) made the sparse models. `stream`: channels",
        "kept of the 16 in the full-resolution residual stream.",
        "",
        "| sparse run | aggregate | rate | MACs | stream | val right after pruning |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        zeros = " (the zeros)" if row.get("select") == "zeros" else ""
        lines.append(
            f"| {row['run']} | {row['aggregate']} | {row['rate']:.1%}{zeros} "
            f"| {row['macs_fraction']:.1%} | {row['residual_stream']} "
            f"| {row['val_pruned']:.2%} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    app.run(main)
