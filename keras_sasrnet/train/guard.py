"""Sparsity strength chosen from the data: a ladder of alphas, guarded by
validation accuracy.

A fixed alpha is a number tuned on one task: on another it decides how much
accuracy the user loses. The guard climbs instead: ``sparsity.rungs`` rungs
of ``sparsity.steps / rungs`` iterations each, the first at
``sparsity.alpha``, each next one at ``sparsity.factor`` times the last,
every rung starting from the model the last accepted rung left, its lr
lowered for its last quarter (``settle_step``). After each rung the model's
validation accuracy is compared with the baseline's (``sparsity.reference``:
"best", its best epoch's, the number Table 5 shows and the promise of 1 pp
is stated against; or "level", ``reference``: the median of its last
quarter of epochs, lower than the best epoch, the luckiest draw of many on a
noisy validation set, by 1.3 to 6.6 pp on the study's tasks, so that rungs
it accepted ended up to 3.4 pp below the best epoch). A rung offers two
models: its last epoch and its best epoch on validation (chosen as the
baseline's was, so the selection's luck is on both sides); the accepted one
with more channels at zero is the rung's. Within ``tolerance`` (the
config's one tolerance, also the prune rounds') the rung is accepted and
the ladder climbs; below it the rung is rejected
and the ladder stops, keeping the last accepted model (the baseline itself
if the first rung fails). ``sparsity.search="sweep"`` runs every rung from
the baseline instead, each at its own alpha, judges each alike and keeps
the accepted rung with the most channels at zero. With proximal methods
the channels at exactly zero are what pruning with ``prune.select="zeros"``
removes, losslessly, so the kept model's validation accuracy is the pruned
model's.
"""

import json
import os
import shutil
import statistics

from keras_sasrnet import atomic, models, slimming
from keras_sasrnet.train import loop
from keras_sasrnet.train.checkpoint import BEST
from keras_sasrnet.train.config import within_tolerance
from keras_sasrnet.train.run import train_stage

PATH = "guard.json"  # the ladder, rung by rung


def reference(train_dir, fallback):
    """The baseline's validation level: the median validation accuracy of
    the last quarter of the epochs in ``train_dir/state.json`` (``fallback``,
    the model's own, when there is no history: ``baseline.model``)."""
    history = (loop.load_state(train_dir) or {}).get("history", [])
    vals = [h["val_accuracy"] for h in history if "val_accuracy" in h]
    if not vals:
        return fallback
    return float(statistics.median(vals[-max(1, len(vals) // 4) :]))


def baseline_reference(kind, train_dir, best):
    """What a rung is judged against: the baseline's best-epoch validation
    accuracy ``best`` (``kind="best"``) or its level (``"level"``,
    ``reference``)."""
    if kind == "best":
        return best
    if kind == "level":
        return reference(train_dir, best)
    raise ValueError(f"sparsity.reference must be 'best' or 'level'; received {kind!r}")


def settle_step(iterations):
    """Where a rung's lr drops (by ``train.decay``): for its last quarter.

    A rung is judged by its last model. At a constant lr the demo's sparse
    XuNet swung between 77.6 and 91.9 % validation accuracy from epoch to
    epoch (seed 1), so the verdict was a draw; a zero stays at zero at the
    lower lr (its gradient is still below alpha), and the live channels
    settle. Rungs shorter than 4 iterations keep one lr."""
    return round(0.75 * iterations) if iterations >= 4 else 0


def rung_iterations(steps, rungs):
    """Iterations of each rung: ``steps`` split as evenly as whole numbers go."""
    base, extra = divmod(steps, rungs)
    return [base + (k < extra) for k in range(rungs)]


def guarded_sparsity(
    r, folder, start_path, baseline_val, zero_fraction, build, probe=None
):
    """Runs the ladder in ``folder``; returns (kept model, the path).

    Args:
        r: the ``Run``.
        folder: the sparsity stage's folder (rung k trains in ``rung_k/``,
            resumable like any training).
        start_path: the baseline model (``.keras``).
        baseline_val: what rungs are judged against
            (``baseline_reference``).
        zero_fraction: ``f(model) -> fraction of channels at zero``.
        build: ``build(path, alpha, first) -> model`` with the penalty on
            (``first``: the first rung, where ``sparsity.gamma_init`` applies).
        probe: ``probe(rung_path, k) -> validation accuracy`` of the rung's
            model pruned of its zeros and briefly fine-tuned without the
            penalty (``sparsity.probe_steps``). The rung is then judged by the
            better of the two: each is a model without the zeroed channels,
            and each is one noisy draw (on the demo a probe fell 3.4 pp below
            its sparse model, and another rose 1.8 pp above it). None: by the
            sparse model's own validation accuracy, as when the probe's
            fine-tuning diverges (``probe_diverged`` in the path says why).

    The path is a list of {rung, search, alpha, iterations, zero_fraction,
    val_accuracy, val_sparse, (val_probe), reference, drop: the last
    epoch's, judged with its probe; val_best_epoch, zero_fraction_best_epoch,
    drop_best_epoch: the best epoch's, where that is an earlier one, judged
    alone (it is not probed); accepted, kept: "last", "best epoch" or None};
    a rung whose training diverged (a non-finite loss) has only rung,
    search, alpha, iterations, reference, ``diverged`` (why) and, where it
    committed an epoch before, that best epoch's figures, judged alone
    (accepted: kept "best epoch"; else accepted False, kept None): a sweep
    goes on, a ladder stops. The path is also written to folder/guard.json.
    """
    c, s = r.c, r.c.sparsity
    sweep = s.search == "sweep"
    method = slimming.sparsity.method(s.method)
    path, current, alpha = [], start_path, s.alpha
    kept_model = kept_zeros = None
    for k, n in enumerate(rung_iterations(s.steps, s.rungs), 1):
        if n == 0:
            break
        out = f"rung_{k}.keras"
        start, first = (start_path, True) if sweep else (current, k == 1)
        try:
            model = train_stage(
                r,
                lambda p=start, a=alpha, first=first: build(p, a, first),
                n,
                s.lr or c.train.lr,
                settle_step(n),
                folder,
                out,
                sub=f"rung_{k}",
                keep="last",
                optimizer=method.optimizer,
                momentum=s.momentum,
            )
        except FloatingPointError as error:
            # A too strong rung is not the end of the run (its NaN epoch is
            # never committed, so a rerun diverges the same way): its best
            # committed epoch, if any, is judged alone; a ladder stops here.
            step = {
                "rung": k,
                "search": s.search,
                "alpha": alpha,
                "iterations": n,
                "reference": baseline_val,
                "diverged": str(error),
            }
            chosen, model = _rung_choice(r, step, None, None, folder, k, zero_fraction)
            path.append(
                {**step, "accepted": chosen is not None, "kept": chosen and chosen[0]}
            )
            r.log(
                f"guard rung {k}: alpha {alpha:g} diverged ({error}): "
                + (
                    f"its best epoch accepted ({chosen[2]:.1%} at zero, val "
                    f"{step['val_best_epoch']:.4f})"
                    if chosen
                    else "rejected"
                )
            )
            alpha *= s.factor
            if chosen and (not sweep or kept_zeros is None or chosen[2] > kept_zeros):
                current, kept_model, kept_zeros = chosen[1], model, chosen[2]
            if sweep:
                continue
            break
        val = sparse_val = r.val_accuracy(model)
        probed = {}
        if probe is not None:  # either model is one without the zeroed channels
            try:
                probed["val_probe"] = probe(os.path.join(folder, out), k)
                val = max(sparse_val, probed["val_probe"])
            except FloatingPointError as error:  # judged by the sparse model alone
                probed["probe_diverged"] = str(error)
                r.log(f"guard rung {k}: its probe diverged ({error})")
        drop = baseline_val - val
        step = {
            "rung": k,
            "search": s.search,
            "alpha": alpha,
            "iterations": n,
            "zero_fraction": zero_fraction(model),
            "val_accuracy": val,
            "val_sparse": sparse_val,
            **probed,
            "reference": baseline_val,
            "drop": drop,
        }
        chosen, model = _rung_choice(
            r, step, os.path.join(folder, out), model, folder, k, zero_fraction
        )
        accepted = chosen is not None
        path.append(
            {**step, "accepted": accepted, "kept": chosen[0] if chosen else None}
        )
        r.log(
            f"guard rung {k}: alpha {alpha:g}, {path[-1]['zero_fraction']:.1%} "
            f"of the channels at zero, val accuracy {val:.4f}"
            + (
                f" (sparse {sparse_val:.4f}, probe {probed['val_probe']:.4f})"
                if "val_probe" in probed
                else ""
            )
            + f" ({drop:+.4f} "
            f"below the baseline's {baseline_val:.4f}; tolerance "
            f"{c.tolerance:g})"
            + (
                f"; best epoch {step['zero_fraction_best_epoch']:.1%} at zero, "
                f"val {step['val_best_epoch']:.4f}"
                if "val_best_epoch" in step
                else ""
            )
            + ": "
            + (
                f"accepted ({chosen[0]})"
                if accepted
                else "rejected" + ("" if sweep else ", keeping the last accepted")
            )
        )
        alpha *= s.factor
        if sweep:  # every rung runs; the most zeros among the accepted is kept
            if accepted and (kept_zeros is None or chosen[2] > kept_zeros):
                current, kept_model, kept_zeros = chosen[1], model, chosen[2]
            continue
        if not accepted:
            break
        current, kept_model = chosen[1], model
    final = os.path.join(folder, "model.keras")
    if kept_model is None:  # not one rung held: the baseline as it was
        with r.strategy.scope():
            loop.save(build(start_path, s.alpha, False), final)
    else:
        with atomic.replacing(final, ".keras") as tmp:
            shutil.copyfile(current, tmp)
    # a best epoch's checkpoint (and the rebuilt baseline) carry no metadata
    models.io.write_metadata(final, r.metadata())
    atomic.write_json(os.path.join(folder, PATH), path)
    return r.load(final), path


def _rung_choice(r, step, last_path, last, folder, k, zero_fraction):
    """The rung's model: its last epoch or its best epoch on validation
    (where that is an earlier one), whichever is within tolerance with more
    channels at zero (the last on a tie). ``last_path`` None: the rung
    diverged, its best committed epoch is the only candidate. Adds the best
    epoch's figures to ``step``; returns ((name, path, zeros) or None,
    model)."""
    tolerance = r.c.tolerance
    options = []
    diverged = last_path is None
    if not diverged and within_tolerance(step["drop"], tolerance):
        options.append((("last", last_path, step["zero_fraction"]), last))
    train_dir = os.path.join(folder, f"rung_{k}")
    best_path = os.path.join(train_dir, BEST)
    state = loop.load_state(train_dir) or {}
    best_epoch = state.get("best_epoch")  # 0 or absent: no epoch validated
    earlier = diverged or best_epoch != state.get("epoch")
    if best_epoch and earlier and os.path.exists(best_path):
        best = r.load(best_path)
        step["val_best_epoch"] = r.val_accuracy(best)
        step["zero_fraction_best_epoch"] = zero_fraction(best)
        step["drop_best_epoch"] = step["reference"] - step["val_best_epoch"]
        if within_tolerance(step["drop_best_epoch"], tolerance):
            options.append(
                (("best epoch", best_path, step["zero_fraction_best_epoch"]), best)
            )
    if not options:
        return None, last
    return max(options, key=lambda o: (o[0][2], o[0][0] == "last"))


def load_path(folder):
    """The ladder a finished guarded stage recorded (``[]`` if none)."""
    name = os.path.join(folder, PATH)
    if not os.path.exists(name):
        return []
    with open(name) as f:
        return json.load(f)
