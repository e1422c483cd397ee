"""keras-hub's CNN backbones (small configurations, random init), flat and
nested under a classifier head: read from their own nodes, their blocks
inlined, slimmed exactly, saved and trained. The backbones are the
applications study's (benchmarks/applications/hub.py): this test lives with
the benchmark tests, as the library's tests import no benchmark code."""

import collections

import keras
import numpy as np
import pytest

from keras_sasrnet import profile, slimming
from tests.conftest import check_slims_exactly, randomize_bns

pytest.importorskip("keras_hub")
from benchmarks.applications.hub import BACKBONES, S  # noqa: E402

# Measured: before blocks, grouped depthwise convs, shared activations and
# split were read, MobileNet and EfficientNet had no prunable group and
# CSPNet failed; ResNet and DenseNet were read already.
MIN_PRUNABLE = {
    "ResNet": 3,
    "DenseNet": 6,
    "MobileNet": 8,
    "EfficientNet": 5,
    "CSPNet": 8,
}


def _with_head(backbone):
    inputs = keras.Input((S, S, 3))
    features = keras.layers.GlobalAveragePooling2D(name="gap")(backbone(inputs))
    return keras.Model(inputs, keras.layers.Dense(3, name="head")(features))


@pytest.mark.big
@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_keras_hub_backbones_slim_exactly(name, nested, tmp_path):
    keras.utils.set_random_seed(0)
    model = randomize_bns(BACKBONES[name]())
    if nested:
        model = _with_head(model)
    slimming.randomize_gammas(model)
    groups = slimming.find_groups(model, (S, S))
    prunable = [g for g in groups if g.prunable]
    frozen = collections.Counter(
        g.reason.split(" '")[0] for g in groups if not g.prunable
    )
    assert len(prunable) >= MIN_PRUNABLE[name], frozen
    assert sum(profile.count_macs(model, (S, S)).values()) > 0
    x = np.random.default_rng(0).uniform(0, 1, (2, S, S, 3)).astype("float32")
    slim = check_slims_exactly(model, x, tmp_path)
    if nested:
        slim.compile(
            "adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        )
        history = slim.fit(x, np.array([0, 1]), epochs=1, verbose=0).history
        assert np.isfinite(history["loss"][0])
