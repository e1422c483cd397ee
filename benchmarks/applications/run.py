"""The slimming engine on every keras.applications CNN family (issue 14).

(Keras 3.15 ships no RegNet; the issue lists it.)

  python -m benchmarks.applications.run [--families=ResNet50,...] [--out=DIR]

Also keras-hub's CNN backbones in small configurations
(``benchmarks/applications/hub.py``), at 32x32.

Per family (``weights=None``, random BN statistics and gammas, no classifier
activation, 96x96 unless the model needs more; ``scale=False`` BNs are given
gammas of ones first, ``slimming.with_gammas``): channel groups, the
fraction of BN channels that are prunable (and why the rest are frozen),
whether keeping every channel reproduces the outputs (max difference),
whether slimming at 0.3 and 0.6 runs with finite outputs, whether the
slimmed model's ``.keras`` round trip is identical and ``fit`` runs a step,
and params/MACs after slimming at 0.5. Rows go to rows.json, the table to
README.md (both generated here). A failure is a row with its error.
"""

import collections
import os
import tempfile
import time

import keras
import numpy as np
from absl import flags

from benchmarks import study
from benchmarks.applications.report import readme
from keras_sasrnet import atomic, cli, profile, slimming
from keras_sasrnet import graph as graph_lib

HERE = os.path.dirname(os.path.abspath(__file__))
A = keras.applications
FAMILIES = {
    "ResNet50": (A.ResNet50, 96),
    "ResNet50V2": (A.ResNet50V2, 96),
    "MobileNet": (A.MobileNet, 96),
    "MobileNetV2": (A.MobileNetV2, 96),
    "MobileNetV3Small": (A.MobileNetV3Small, 96),
    "MobileNetV3Large": (A.MobileNetV3Large, 96),
    "EfficientNetB0": (A.EfficientNetB0, 96),
    "EfficientNetV2B0": (A.EfficientNetV2B0, 96),
    "DenseNet121": (A.DenseNet121, 96),
    "Xception": (A.Xception, 96),
    "InceptionV3": (A.InceptionV3, 96),
    "InceptionResNetV2": (A.InceptionResNetV2, 96),
    "NASNetMobile": (A.NASNetMobile, 224),
    "ConvNeXtTiny": (A.ConvNeXtTiny, 96),
}
HUB = ("ResNet", "DenseNet", "MobileNet", "EfficientNet", "CSPNet")
FAMILIES.update({f"keras-hub {name}": (None, 32) for name in HUB})


def build(name, side):
    """The family's model at side x side, random init, logits out."""
    if name.startswith("keras-hub "):
        from benchmarks.applications import hub

        return hub.BACKBONES[name.split(" ", 1)[1]]()
    make = FAMILIES[name][0]
    kwargs = dict(input_shape=(side, side, 3), weights=None)
    try:
        return make(classifier_activation=None, **kwargs)
    except TypeError:
        return make(**kwargs)


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            weights = layer.get_weights()
            shapes = [w.shape for w in weights]
            new = [rng.uniform(0.1, 1.0, shapes[0]).astype("float32")]
            if layer.center:
                new.append(rng.normal(0, 0.3, shapes[1]).astype("float32"))
            new += [
                rng.normal(0, 0.5, shapes[-2]).astype("float32"),
                rng.uniform(0.5, 2, shapes[-1]).astype("float32"),
            ]
            if not layer.scale:
                new = new[1:]
            layer.set_weights(new)
    return model


def _bn_channels(model):
    return sum(
        layer.gamma.shape[0]
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization) and layer.scale
    )


def measure(name, side):
    model = graph_lib.inline(build(name, side))  # keras-hub blocks: flat
    _randomize(model)
    unscaled = sum(
        isinstance(layer, keras.layers.BatchNormalization) and not layer.scale
        for layer in model.layers
    )
    x = np.random.default_rng(0).uniform(0, 255, (2, side, side, 3)).astype("f4")
    gammas_diff = None
    if unscaled:  # InceptionV3/ResNetV2: every BN is scale=False
        scaled = slimming.with_gammas(model)
        gammas_diff = float(np.max(np.abs(np.asarray(scaled(x) - model(x)))))
        model = _randomize(scaled, seed=1)
    groups = slimming.find_groups(model, (side, side))
    # No gamma anywhere (ConvNeXt: LayerNorm only): rank by kernel L1 norm,
    # which also prunes the channels that no BN scales.
    importance = "gamma" if any(g.prunable for g in groups) else "l1_norm"
    if importance != "gamma":
        groups = [g.unlocked() for g in groups]
    prunable = sum(len(g.bns) * g.channels for g in groups if g.prunable)
    frozen = collections.Counter(
        g.reason.split(" '")[0] for g in groups if not g.prunable
    )
    reference = np.asarray(model(x))
    kept, _ = slimming.slim(model, 0.0, importance=importance)
    exact = float(np.max(np.abs(np.asarray(kept(x)) - reference)))
    finite = {}
    for rate in (0.3, 0.6):
        slim, _ = slimming.slim(model, rate, importance=importance)
        finite[rate] = bool(np.all(np.isfinite(np.asarray(slim(x)))))
    slim, plan = slimming.slim(model, 0.5, importance=importance)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "slim.keras")
        slim.save(path)
        again = keras.models.load_model(path)
        round_trip = bool(np.array_equal(np.asarray(again(x)), np.asarray(slim(x))))
    slim.compile(optimizer="adam", loss="mse")
    slim.fit(x, np.zeros_like(np.asarray(slim(x))), epochs=1, verbose=0)
    macs = sum(profile.count_macs(model, (side, side)).values())
    slim_macs = sum(profile.count_macs(slim, (side, side)).values())
    return {
        "model": name,
        "input": side,
        "importance": importance,
        "gammas_added": unscaled,
        "with_gammas_max_diff": gammas_diff,
        "groups": len(groups),
        "prunable_groups": sum(g.prunable for g in groups),
        "bn_channels": _bn_channels(model),
        "prunable_fraction": prunable / _bn_channels(model)
        if _bn_channels(model)
        else None,
        "frozen": dict(frozen),
        "keep_all_max_diff": exact,
        "finite_at_0.3": finite[0.3],
        "finite_at_0.6": finite[0.6],
        "round_trip": round_trip,
        "params": model.count_params(),
        "params_at_0.5": slim.count_params(),
        "macs": macs,
        "macs_at_0.5": slim_macs,
    }


FLAGS = flags.FLAGS
flags.DEFINE_list("families", [], "Families to measure (default: all).")
flags.DEFINE_string("out", HERE, "Folder of rows.json and README.md.")
flags.DEFINE_bool("report_only", False, "Remake README.md from rows.json only.")


def main(argv):
    """Families of --families (default all); rows of the others are kept
    from an earlier rows.json in --out; rows.json is rewritten per family."""
    del argv
    names = FLAGS.families or list(FAMILIES)
    unknown = sorted(set(names) - set(FAMILIES))
    if unknown:
        raise ValueError(
            f"--families: unknown {unknown}; expected some of {list(FAMILIES)}"
        )
    for name in [] if FLAGS.report_only else names:
        side = FAMILIES[name][1]
        start = time.perf_counter()
        try:
            row = measure(name, side)
        except Exception as e:  # noqa: BLE001 - recorded as the family's row
            row = {"model": name, "error": f"{type(e).__name__}: {e}"}
        row["seconds"] = round(time.perf_counter() - start, 1)
        row["backend"] = keras.backend.backend()
        print({k: v for k, v in row.items() if k != "frozen"}, flush=True)
        rows = study.merge(FLAGS.out, [row], lambda r: r["model"])
        order = list(FAMILIES)
        rows.sort(key=lambda r: order.index(r["model"]))
        atomic.write_json(os.path.join(FLAGS.out, study.ROWS), rows)
    print(study.publish(FLAGS.out, readme))


if __name__ == "__main__":
    cli.start(main)
