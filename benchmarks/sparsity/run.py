"""Runs the sparsity-method comparison and writes rows.json + README.md.

See config.py for the commands. Every stage is resumable (done.json), so a
rerun only does what is missing; rows of other architectures already in
rows.json are kept.
"""

import os

from absl import flags
from ml_collections import config_flags

from benchmarks import study
from benchmarks.sparsity import report
from keras_sasrnet import atomic, cli, models, profile, slimming
from keras_sasrnet.train import loop, stages
from keras_sasrnet.train.run import Run, train_stage

HERE = os.path.dirname(os.path.abspath(__file__))

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "benchmarks/sparsity/config.py:ARCH")
flags.DEFINE_string("workdir", None, "Where the stages are kept (resumable).")
flags.DEFINE_string("out", HERE, "Folder of rows.json, README.md, frontier.png.")
flags.DEFINE_bool("report_only", False, "Remake README.md from rows.json only.")
flags.DEFINE_string("baseline", None, "A trained .keras baseline to start from.")
flags.mark_flags_as_required(["config"])


def _macs_params(model):
    at = models.io.reinput(model, (256, 256))
    return sum(profile.count_macs(at, (256, 256)).values()), profile.count_params(
        model
    )[0]


def run(c, workdir, baseline=None, log=print):
    os.makedirs(workdir, exist_ok=True)
    if baseline:
        c.baseline.model, c.baseline.steps = baseline, 0
    r = Run(c, workdir, log)
    base = r.stage("baseline", lambda f: stages.baseline_stage(r, f))
    base_path = os.path.join(workdir, "baseline", "best.keras")
    full_macs, full_params = _macs_params(r.load(base_path))
    rows = []
    for name, method, alpha, lr, rates, *budget in c.bench.runs:
        key = name.replace(" ", "_")
        opts = budget.pop() if budget and isinstance(budget[-1], dict) else {}
        steps, decay = budget or (c.sparsity.steps, c.sparsity.decay_step)
        sparse_key = opts.get("sparse_from", name).replace(" ", "_")
        start = base_path
        if "start" in opts:  # a second round: from a row's pruned model
            start = os.path.join(
                workdir, opts["start"].replace(" ", "_"), "pruned.keras"
            )
        sp = r.stage(
            f"{sparse_key}/sparse",
            lambda f, m=method, a=alpha, lr=lr, b=(steps, decay), s=start: _sparse(
                r, s, m, a, lr, b, f
            ),
        )
        sparse_path = os.path.join(workdir, sparse_key, "sparse", "model.keras")
        selections = [("rate", rate) for rate in rates]
        wants_zeros = c.bench.zeros_rows or opts.get("zeros", False)
        if 0 < sp["zero_fraction"] < 1 and wants_zeros:
            selections.append(("zeros", 0.0))
        for select, rate in selections:
            tag = "zeros" if select == "zeros" else f"rate_{rate}"
            row = r.stage(
                f"{key}/{tag}",
                lambda f, p=sparse_path, s=select, x=rate, o=opts: _prune(
                    r, p, s, x, f, o
                ),
            )
            rows.append(
                {
                    "arch": c.model.arch,
                    "method": name,
                    "select": select,
                    "rate": row["pruned_fraction"]
                    if select == "zeros"
                    else row["rate"],
                    "val_baseline": base["val_accuracy"],
                    "val_sparse": sp["val_sparse"],
                    "val_pruned": row["val_pruned"],
                    "val_finetuned": row["val_finetuned"],
                    "test_baseline": base["test_accuracy"],
                    "test_finetuned": row["test_finetuned"],
                    "zero_fraction": sp["zero_fraction"],
                    "sparsity_steps": steps,
                    "aggregate": opts.get("aggregate", "mean"),
                    "start": opts.get("start", "baseline"),
                    "finetune_steps": opts.get("finetune", (c.finetune.steps,))[0],
                    "params": row["params"],
                    "macs": row["macs"],
                    "params_full": full_params,
                    "macs_full": full_macs,
                    "seconds": round(sp["seconds"] + row["seconds"], 1),
                }
            )
    return rows


def _sparse(r, base_path, method, alpha, lr, budget, folder):
    """Sparsity-trains the baseline with one method; val accuracy and zeros.

    ``budget``: (steps, decay_step) of the phase.
    """
    c = r.c
    start = r.load(base_path)
    m = slimming.sparsity.method(method)
    model = train_stage(
        r,
        lambda: slimming.with_sparsity(
            start, alpha, None, method=method, input_size=r.size
        ),
        budget[0],
        lr or c.train.lr,
        budget[1],
        folder,
        "model.keras",
        keep="last",
        optimizer=m.optimizer,
        momentum=c.sparsity.momentum,
    )
    return {
        "val_sparse": r.val_accuracy(model),
        "zero_fraction": stages.zero_fraction(model),
    }


def _prune(r, sparse_path, select, rate, folder, opts=None):
    """Prunes the sparse model, scores it, fine-tunes it without penalty.

    ``opts``: "aggregate" over a group's BNs (default mean) and "finetune"
    as (steps, decay step, lr) instead of the config's.
    """
    c = r.c
    opts = opts or {}
    ft_steps, ft_decay, ft_lr = opts.get(
        "finetune", (c.finetune.steps, c.finetune.decay_step, c.finetune.lr)
    )
    slim, plan = slimming.slim(
        r.load(sparse_path),
        rate,
        aggregate=opts.get("aggregate", "mean"),
        select=select,
    )
    val_pruned = r.val_accuracy(slim)
    path = os.path.join(folder, "pruned.keras")
    loop.save(slimming.without_sparsity(slim), path)
    tuned = train_stage(
        r,
        lambda: models.load(path),
        ft_steps,
        ft_lr,
        ft_decay,
        folder,
        "model.keras",
        "finetune",
    )
    macs, params = _macs_params(tuned)
    return {
        "rate": plan.pruned_fraction if select == "zeros" else plan.rate,
        "pruned_fraction": plan.pruned_fraction,
        "val_pruned": val_pruned,
        "val_finetuned": r.val_accuracy(tuned),
        "test_finetuned": r.measure(tuned, folder, timing=False)["test_accuracy"],
        "params": params,
        "macs": macs,
    }


def main(argv):
    del argv
    c = FLAGS.config
    if not FLAGS.report_only and not FLAGS.workdir:
        raise ValueError("--workdir is required unless --report_only")
    if not FLAGS.report_only:
        rows = run(c, FLAGS.workdir, FLAGS.baseline)
        old = [r for r in study.load(FLAGS.out) if r["arch"] != c.model.arch]
        atomic.write_json(os.path.join(FLAGS.out, study.ROWS), old + rows)
        report.frontier(old + rows, os.path.join(FLAGS.out, "frontier.png"))
    print(study.publish(FLAGS.out, report.readme))


if __name__ == "__main__":
    cli.start(main)
