"""A latency model of a runtime: milliseconds from a model's widths.

MACs are the wrong cost on a CPU at 256x256: a full-resolution channel costs
about 4x its MAC share (activation memory), and thin layers pay fixed costs
per op (DESIGN.md section 7). This model is fitted, per runtime, machine and
architecture, on timings of slimmed networks of random widths (NetAdapt's
empirical tables, reduced to a few terms per spatial resolution):

    ms = intercept + sum over resolutions r of
         a_r * MACs_r + b_r * activations_r + c_r * padded MACs_r

where MACs_r, activations_r (conv and dense outputs, the elements every BN,
ReLU and add then reads and writes) and padded MACs_r (channels rounded up to
the runtime's vector width, what a thin layer really computes) are summed
over the layers whose output has resolution r. Non-negative least squares
(scipy) keeps every cost physical. Pure: numpy and the graph description
only; the timings come from ``export.latency`` (``benchmarks/latency``).

Example:
    >>> model = LatencyModel.fit(samples, times, runtime="litert float32")
    >>> model.predict(slimmed)  # ms, batch 1, at the input size of the fit
    >>> channel_costs(full, model, find_groups(full))  # ms per channel

The costs of other widths (``GroupLatency``) take the model's channel groups
(``slimming.find_groups``) and need no rebuild.
"""

import dataclasses
import json
import math

import numpy as np
import scipy.optimize

from keras_sasrnet import graph as graph_lib
from keras_sasrnet import layer_cost

COST_KINDS = ("Conv2D", "DepthwiseConv2D", "Dense")
TERMS = ("macs", "act", "pmacs")
LANES = 8  # XNNPACK's f32 kernels fill 8 output channels at a time (AVX)


def _round_up(n, to):
    return int(math.ceil(n / to) * to)


def features(model, input_size, lanes=LANES):
    """{f"{term}@{side}": value} of ``model`` at ``input_size`` (H, W).

    ``side`` is the output height of the layers summed; terms as in the
    module docstring, in millions (MACs) and millions of elements. Costed
    layers: Conv2D, DepthwiseConv2D and Dense.
    """
    row = {}
    for layer in _layers(model, input_size).values():
        _add(row, layer, _terms(layer, layer.c_in, layer.c_out, lanes))
    return row


def _add(row, layer, terms):
    for term, value in zip(TERMS, terms, strict=True):
        key = f"{term}@{layer.side}"
        row[key] = row.get(key, 0.0) + value


def _matrix(rows, names):
    return np.array([[row.get(n, 0.0) for n in names] for row in rows])


@dataclasses.dataclass
class LatencyModel:
    """Fitted costs of one runtime on one machine, for one input size.

    Attributes:
        runtime: e.g. "litert 2.1.0 float32, 2 threads".
        machine: where it was measured (``platform`` and CPU).
        input_size: (H, W) of the timings.
        coefficients: {feature name: ms per unit} (see ``features``).
        intercept: ms of a model with no cost at all (call overhead).
        lanes: the channel rounding of the padded-MACs term.
    """

    runtime: str
    machine: str
    input_size: tuple
    coefficients: dict
    intercept: float
    lanes: int = LANES

    @classmethod
    def fit(cls, models_or_features, times_ms, input_size, runtime="", machine=""):
        """Fits the costs to measured milliseconds (relative least squares).

        Args:
            models_or_features: Keras models, or their ``features`` dicts.
            times_ms: the measured latency of each.
            input_size: (H, W) they were timed at.
        """
        rows = [
            m if isinstance(m, dict) else features(m, input_size)
            for m in models_or_features
        ]
        if len(rows) != len(times_ms) or len(rows) < 2:
            raise ValueError(
                f"need >= 2 models with one time each; received {len(rows)} "
                f"models and {len(times_ms)} times"
            )
        names = sorted({n for row in rows for n in row})
        # A term equal in every model (the fc layer's 2 outputs) cannot be
        # told from the intercept: it is left to it.
        names = [n for n in names if np.ptp(_matrix(rows, [n])) > 0]
        a = np.hstack([_matrix(rows, names), np.ones((len(rows), 1))])
        b = np.asarray(times_ms, dtype=float)
        # Relative error matters (a 2 ms model as much as a 60 ms one):
        # weight each row by 1 / its time.
        x, _ = scipy.optimize.nnls(a / b[:, None], np.ones_like(b))
        return cls(
            runtime=runtime,
            machine=machine,
            input_size=tuple(int(s) for s in input_size),
            coefficients={n: float(c) for n, c in zip(names, x[:-1], strict=True)},
            intercept=float(x[-1]),
        )

    def predict_features(self, row):
        return self.intercept + sum(
            c * row.get(n, 0.0) for n, c in self.coefficients.items()
        )

    def predict(self, model):
        """Predicted milliseconds of ``model`` at the fitted input size."""
        return self.predict_features(features(model, self.input_size, self.lanes))

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        fields = {f.name for f in dataclasses.fields(cls)}
        kept = {k: v for k, v in d.items() if k in fields}  # "check" etc.
        return cls(**{**kept, "input_size": tuple(kept["input_size"])})

    @classmethod
    def load(cls, path):
        """The model saved in a ``table.json`` (``benchmarks/latency``)."""
        with open(path) as f:
            try:
                return cls.from_dict(json.load(f))
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}: not a latency table ({e})") from None


@dataclasses.dataclass(frozen=True)
class _Layer:
    """A costed layer at the full widths."""

    side: int
    positions: int
    kernel: int  # MACs per position per (input, output) channel pair
    c_in: int
    c_out: int
    depthwise: bool


def _layers(model, input_size):
    g = graph_lib.from_model(model, tuple(input_size))
    found = {}
    for node in g.nodes.values():
        if node.kind not in COST_KINDS:
            continue
        out = node.output_shape
        positions = int(np.prod(out[1:-1])) if len(out) > 2 else 1
        c_in, c_out = node.input_shapes[0][-1], out[-1]
        depthwise = node.kind == "DepthwiseConv2D"
        pairs = c_in if depthwise else c_in * c_out
        found[node.name] = _Layer(
            side=out[1] if len(out) > 2 else 1,
            positions=positions,
            kernel=layer_cost.macs(node) // (positions * pairs),
            c_in=c_in,
            c_out=c_out,
            depthwise=depthwise,
        )
    return found


def _widths(layers, groups, widths):
    """{layer: (c_in, c_out)} when each group keeps ``widths[group]``."""
    cut_in, cut_out = {}, {}
    for g in groups:
        gone = g.channels - widths.get(g.name, g.channels)
        for name in g.producers:
            cut_out[name] = cut_out.get(name, 0) + gone
        for name in g.consumers:
            cut_in[name] = cut_in.get(name, 0) + gone
    result = {}
    for name, layer in layers.items():
        c_in = layer.c_in - cut_in.get(name, 0)
        c_out = c_in if layer.depthwise else layer.c_out - cut_out.get(name, 0)
        result[name] = (c_in, c_out)
    return result


def _terms(layer, c_in, c_out, lanes):
    """(MACs, activations, padded MACs) of a layer at these widths, millions."""
    per = layer.positions * layer.kernel
    if layer.depthwise:
        pairs, padded = c_in, _round_up(c_in, lanes)
    else:
        pairs = c_in * c_out
        padded = _round_up(c_in, lanes) * _round_up(c_out, lanes)
    return per * pairs / 1e6, layer.positions * c_out / 1e6, per * padded / 1e6


class GroupLatency:
    """The latency model over one model's channel groups: predicted ms and
    per-channel costs at any group widths, without rebuilding the model.

    Args:
        model: the full functional model.
        latency_model: a fitted ``LatencyModel``.
        groups: ``find_groups(model)`` (any objects with ``name``,
            ``channels``, ``producers`` and ``consumers``).
    """

    def __init__(self, model, latency_model, groups):
        self.m, self.groups = latency_model, list(groups)
        self.layers = _layers(model, latency_model.input_size)

    def predict(self, widths=None):
        """Predicted ms with each group cut to ``widths[group]`` (groups not
        named keep all their channels): ``LatencyModel.predict`` of the
        rebuilt model."""
        row = {}
        now = _widths(self.layers, self.groups, widths or {})
        for name, (c_in, c_out) in now.items():
            layer = self.layers[name]
            _add(row, layer, _terms(layer, c_in, c_out, self.m.lanes))
        return self.m.predict_features(row)

    def channel_costs(self, widths=None):
        """{group name: predicted ms one more of its channels costs}.

        The marginal latency of a channel at the given widths (default: the
        full model): its producers' MACs and activations and its consumers'
        MACs, priced by the fitted costs of their resolution; the padded-MACs
        term by its slope (the other side's width rounded up to the lanes).
        Frozen groups are included (their cost is real; they are not pruned).
        """
        m, layers = self.m, self.layers
        now = _widths(layers, self.groups, widths or {})

        def cost(name, term):
            return m.coefficients.get(f"{term}@{layers[name].side}", 0.0) / 1e6

        def produced(name):  # one more output channel
            layer, (c_in, _) = layers[name], now[name]
            per = layer.positions * layer.kernel
            return (
                cost(name, "macs") * per * c_in
                + cost(name, "act") * layer.positions
                + cost(name, "pmacs") * per * _round_up(c_in, m.lanes)
            )

        def consumed(name):  # one more input channel
            layer, (_, c_out) = layers[name], now[name]
            per = layer.positions * layer.kernel
            if layer.depthwise:  # its output narrows with its input
                return (
                    cost(name, "macs") * per
                    + cost(name, "act") * layer.positions
                    + cost(name, "pmacs") * per
                )
            return (cost(name, "macs") + cost(name, "pmacs")) * per * c_out

        return {
            g.name: sum(produced(n) for n in g.producers if n in layers)
            + sum(consumed(n) for n in g.consumers if n in layers)
            for g in self.groups
        }


def channel_costs(model, latency_model, groups):
    """{group name: ms one more channel costs} in the full model
    (``GroupLatency.channel_costs``)."""
    return GroupLatency(model, latency_model, groups).channel_costs()
