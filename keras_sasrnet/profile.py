"""What a model costs: parameters, analytic MACs per layer, CPU latency.

MACs are counted analytically from the graph (H_out * W_out * k * k * C_in *
C_out per conv): the TF profiler silently counts 0 for convs when the batch
dimension is None, and an analytic count is exact for any width.

Counting imports no TensorFlow (it reads the Keras graph, on any backend);
timing compiles with ``tf.function`` on the TensorFlow backend and with
Keras' own compiled predict step on the others.
"""

import dataclasses
import statistics
import time

import numpy as np

from keras_sasrnet import atomic, layer_cost
from keras_sasrnet import graph as graph_lib


@dataclasses.dataclass
class Profile:
    """Costs of one model at one input size.

    Attributes:
        name: a label for tables.
        params: all parameters (trainable + non-trainable).
        trainable: trainable parameters.
        macs: multiply-accumulates per image.
        macs_per_layer: {layer name: MACs} for layers that have any.
        latency_ms: {batch size: median milliseconds per batch}.
        input_size: (H, W) the figures are for.
    """

    name: str
    params: int
    trainable: int
    macs: int
    macs_per_layer: dict[str, int]
    latency_ms: dict[int, float]
    input_size: tuple[int, int]


def count_params(model):
    """(trainable, total) parameter counts."""
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    total = sum(int(np.prod(v.shape)) for v in model.weights)
    return trainable, total


def count_macs(model, input_size):
    """{layer name: MACs per image} at ``input_size`` (H, W), non-zero only.

    Example:
        >>> sum(count_macs(srnet(), (256, 256)).values())
        5951718400
    """
    g = graph_lib.from_model(model, tuple(input_size))
    per_layer = {name: layer_cost.macs(node) for name, node in g.nodes.items()}
    return {name: m for name, m in per_layer.items() if m}


def _input_shape(model, input_size):
    shape = tuple(model.input_shape[1:])
    for fixed, wanted in zip(shape[:2], input_size, strict=True):
        if fixed is not None and fixed != wanted:
            raise ValueError(
                f"model {model.name!r} takes {shape[:2]} inputs; received "
                f"input_size {tuple(input_size)} (rebuild it at that size)"
            )
    return (*input_size, *shape[2:])


def latency(model, input_size, batch_size=1, warmup=2, repeats=10, seed=0):
    """Median wall-clock milliseconds of one inference call on a batch.

    The call is a compiled ``tf.function`` (graph mode, as in deployment)
    of a functional model's ``models.io.for_inference`` graph; ``warmup``
    calls (tracing included) are not timed.

    Args:
        model: a Keras model.
        input_size: (H, W).
        batch_size: images per call.
        warmup: untimed calls first.
        repeats: timed calls; the median is returned.
        seed: for the random input.
    """
    return latencies([model], input_size, batch_size, warmup, repeats, seed)[0]


def latencies(models, input_size, batch_size=1, warmup=2, repeats=10, seed=0):
    """``latency`` of several models, timed in turns: comparable figures.

    Each round times one call of every model, so a change in the machine's
    load hits all models alike. Timed one after the other on a busy CPU,
    two copies of the same network differed by up to 2x.

    Returns:
        Median milliseconds per model, in order.
    """
    if repeats < 1 or warmup < 0 or batch_size < 1:
        raise ValueError(
            "latency needs repeats >= 1, warmup >= 0 and batch_size >= 1; received "
            f"repeats={repeats}, warmup={warmup}, batch_size={batch_size}"
        )
    calls = [_compiled(m, input_size, batch_size, seed) for m in models]
    for call in calls:
        for _ in range(max(warmup, 1)):  # at least one call traces the function
            call()
    times = [[] for _ in calls]
    for _ in range(repeats):
        for spent, call in zip(times, calls, strict=True):
            start = time.perf_counter()
            call()
            spent.append(time.perf_counter() - start)
    return [1e3 * statistics.median(t) for t in times]


def _compiled(model, input_size, batch_size, seed):
    """A no-argument call running ``model`` compiled on a random batch."""
    import keras

    shape = (batch_size, *_input_shape(model, input_size))
    if hasattr(model, "_run_through_graph"):  # functional: the deployed graph
        from keras_sasrnet.models.io import for_inference

        model = for_inference(model, tuple(input_size))
    x = np.random.default_rng(seed).normal(128, 40, shape).astype("float32")
    if keras.backend.backend() != "tensorflow":  # compiled by Keras (jax.jit)
        x = keras.ops.convert_to_tensor(x)
        return lambda: model.predict_on_batch(x)
    import tensorflow as tf

    x = tf.constant(x)
    infer = tf.function(lambda t: model(t, training=False))
    return lambda: infer(x).numpy()


def profile(model, input_size, batch_sizes=(1,), warmup=2, repeats=10, name=None):
    """Parameters, MACs and latency of ``model`` at ``input_size``.

    Args:
        model: a functional Keras model.
        input_size: (H, W).
        batch_sizes: batch sizes to time; empty to skip timing.
        warmup, repeats: see ``latency``.
        name: label (default the model's name).

    Example:
        >>> profile(srnet(), (256, 256), batch_sizes=(1, 8)).macs
        5951718400
    """
    input_size = tuple(int(s) for s in input_size)
    trainable, total = count_params(model)
    per_layer = count_macs(model, input_size)
    timings = {
        b: latency(model, input_size, b, warmup=warmup, repeats=repeats)
        for b in batch_sizes
    }
    return Profile(
        name or model.name,
        total,
        trainable,
        sum(per_layer.values()),
        per_layer,
        timings,
        input_size,
    )


def format_table(profiles, baseline=None):
    """A Markdown table of profiles; percentages relative to ``baseline``.

    Args:
        profiles: list of ``Profile``.
        baseline: the ``Profile`` that counts as 100 % (default the first).
    """
    if not profiles:
        return ""
    base = baseline or profiles[0]
    batches = sorted({b for p in profiles for b in p.latency_ms})
    head = ["model", "trainable params", "params %", "MACs", "MACs %"]
    head += [f"latency b{b} (ms/img)" for b in batches]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in profiles:
        cells = [
            p.name,
            f"{p.trainable:,}",
            f"{100 * p.trainable / base.trainable:.2f}",
            _giga(p.macs),
            f"{100 * p.macs / base.macs:.1f}" if base.macs else "-",
        ]
        for b in batches:
            ms = p.latency_ms.get(b)
            cells.append("-" if ms is None else f"{ms / b:.2f}")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _giga(macs):
    if macs >= 1e9:
        return f"{macs / 1e9:.3f} G"
    return f"{macs / 1e6:.1f} M"


def to_dict(p):
    """A JSON-ready dict of a ``Profile``."""
    data = dataclasses.asdict(p)
    data["latency_ms"] = {str(b): ms for b, ms in p.latency_ms.items()}
    return data


def save_json(profiles, path):
    """Writes a list of profile dicts to ``path`` atomically."""
    atomic.write_json(path, profiles)


def slimmed_copies(model, rates, seed=0, label="pruned {rate:.0%}", **plan):
    """``model`` and a slimmed copy of it per rate: [(name, model)].

    The first name is "<model name> (full)"; the copies are named by
    ``label``, formatted with ``rate`` and ``done`` (the plan's pruned
    fraction). ``seed`` and ``plan`` go to ``slimming.slim``.
    """
    from keras_sasrnet import slimming

    copies = [(f"{model.name} (full)", model)]
    for rate in rates:
        slim, p = slimming.slim(model, rate, seed=seed, **plan)
        copies.append((label.format(rate=rate, done=p.pruned_fraction), slim))
    return copies


# sasrnet_profile's --gammas.
GAMMAS_HELP = (
    "Channel scores: the model's |gamma|, seeded random ones, or "
    "auto (random for --arch, the model's for --model)."
)


def compare(
    model,
    rates,
    batch_sizes,
    input_size,
    warmup=2,
    repeats=10,
    json_out=None,
    seed=0,
    **plan,
):
    """Profiles ``model`` and its slimmed copies: prints a table, or JSON too.

    Args:
        model: the full model.
        rates: a slimmed copy per rate (``slimmed_copies``; ``seed`` and
            ``plan`` go to ``slimming.slim``).
        batch_sizes: batch sizes to time (numbers; empty: no timing).
        input_size: image side (H = W).
        warmup, repeats: see ``latency``.
        json_out: also write the ``to_dict`` of each profile to this file.

    Returns:
        The ``Profile`` of each model, the full one first.
    """
    size = (input_size, input_size)
    label = "pruned {rate:.0%} ({done:.1%} done)"
    batches = [int(b) for b in batch_sizes]
    results = []
    for name, m in slimmed_copies(model, rates, seed, label, **plan):
        print(f"profiling {name} ...", flush=True)
        results.append(profile(m, size, batches, warmup, repeats, name))
    print(
        f"\n{size[0]}x{size[1]} input, latency is the median of "
        f"{repeats} CPU calls (ms per image)\n"
    )
    print(format_table(results))
    if json_out:
        save_json([to_dict(p) for p in results], json_out)
        print(f"\nwrote {json_out}")
    return results
