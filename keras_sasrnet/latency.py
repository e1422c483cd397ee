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
(scipy) keeps every cost physical. Pure: numpy and the graph description only; the
timings come from ``export.latency`` (``benchmarks/latency/run.py``).

Example:
    >>> model = LatencyModel.fit(samples, times, runtime="litert float32")
    >>> model.predict(slimmed)  # ms, batch 1, at the input size of the fit
"""

import dataclasses
import math

import numpy as np
import scipy.optimize

from keras_sasrnet import graph as graph_lib

COST_KINDS = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense")
TERMS = ("macs", "act", "pmacs")
LANES = 8  # XNNPACK's f32 kernels fill 8 output channels at a time (AVX)


def _round_up(n, to):
    return int(math.ceil(n / to) * to)


def features(model, input_size, lanes=LANES):
    """{f"{term}@{side}": value} of ``model`` at ``input_size`` (H, W).

    ``side`` is the output height of the layers summed; terms as in the
    module docstring, in millions (MACs) and millions of elements.
    """
    g = graph_lib.from_model(model, tuple(input_size))
    found = {}
    for node in g.nodes.values():
        if node.kind not in COST_KINDS:
            continue
        out = node.output_shape
        side = out[1] if len(out) > 2 else 1
        positions = int(np.prod(out[1:-1])) if len(out) > 2 else 1
        macs = graph_lib.macs(node)
        c_in, c_out = node.input_shapes[0][-1], out[-1]
        padded = macs / (c_in * c_out) * _round_up(c_in, lanes)
        padded *= _round_up(c_out, lanes)
        for term, value in (
            ("macs", macs),
            ("act", positions * c_out),
            ("pmacs", padded),
        ):
            key = f"{term}@{side}"
            found[key] = found.get(key, 0.0) + value / 1e6
    return found


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
        return cls(**{**d, "input_size": tuple(d["input_size"])})
