import json
import math

import numpy as np
import pytest

from keras_sasrnet import layer_cost, models, profile
from tests.models import counts


def test_macs_per_layer_by_hand():
    macs = profile.count_macs(models.srnet((256, 256, 1)), (256, 256))
    assert macs["l1_conv"] == 256 * 256 * 9 * 1 * 64
    assert macs["l8_shortcut_conv"] == 128 * 128 * 16 * 16  # 1x1, stride 2
    assert macs["l12_conv2"] == 16 * 16 * 9 * 512 * 512
    assert macs["fc"] == 512 * 2
    assert "l1_bn" not in macs


def test_macs_scale_with_input_area():
    model = models.srnet((None, None, 1))
    small = sum(profile.count_macs(model, (128, 128)).values())
    full = sum(profile.count_macs(model, (256, 256)).values())
    # the golden count and its derivation from the layer table
    assert full == sum(counts.macs(counts.srnet_convs(256)).values()) == 5_951_718_400
    assert small == sum(counts.macs(counts.srnet_convs(128)).values())
    assert small == pytest.approx(full / 4, rel=1e-3)
    with pytest.raises(ValueError, match="concrete input size"):
        from keras_sasrnet import graph

        layer_cost.macs(graph.from_model(model).nodes["l1_conv"])


def test_profile_and_table(tiny_xunet):
    p = profile.profile(tiny_xunet, (32, 32), batch_sizes=(1, 2), warmup=1, repeats=2)
    convs = counts.xunet_convs(32)  # derived from the layer table
    assert p.trainable == counts.trainable(convs, frozen=("hpf",)) == 14_906
    assert p.macs == sum(counts.macs(convs).values()) == 1_148_160
    assert set(p.latency_ms) == {1, 2}
    assert all(math.isfinite(ms) and ms > 0 for ms in p.latency_ms.values())
    half = profile.Profile(
        "half", 20_000, 7_453, 574_080, {}, {1: 1.0, 2: 1.0}, (32, 32)
    )
    table = profile.format_table([p, half]).splitlines()
    assert table[0].startswith("| model | trainable params |")
    assert "| half | 7,453 | 50.00 | 0.6 M | 50.0 | 1.00 | 0.50 |" == table[3]
    data = json.loads(json.dumps(profile.to_dict(p)))
    assert data["macs"] == 1_148_160 and set(data["latency_ms"]) == {"1", "2"}


def test_latency_input_checks(tiny_xunet):
    with pytest.raises(ValueError, match=r"takes \(32, 32\) inputs"):
        profile.latency(tiny_xunet, (64, 64))
    with pytest.raises(ValueError, match="repeats >= 1"):
        profile.latency(tiny_xunet, (32, 32), repeats=0)
    assert profile.latency(models.xunet((None, None, 1)), (48, 48), repeats=1) > 0
    assert np.isfinite(profile.latency(tiny_xunet, (32, 32), batch_size=3, repeats=1))


def test_macs_of_separable_1d_and_3d_convolutions():
    # SeparableConv2D counted 0 (Xception: 63.8 M instead of ~830 M at
    # 96x96) and Conv1D/Conv3D were ignored.
    import keras

    from keras_sasrnet import graph

    inp = keras.Input((8, 8, 4))
    y = keras.layers.SeparableConv2D(
        6, 3, padding="same", depth_multiplier=2, name="s"
    )(inp)
    g = graph.from_model(keras.Model(inp, y))
    assert layer_cost.macs(g.nodes["s"]) == 8 * 8 * (9 * 4 * 2 + 4 * 2 * 6)
    inp = keras.Input((32, 8))
    y = keras.layers.Conv1D(16, 3, padding="same", name="c")(inp)
    assert (
        layer_cost.macs(graph.from_model(keras.Model(inp, y)).nodes["c"])
        == 32 * 3 * 8 * 16
    )
    inp = keras.Input((4, 8, 8, 2))
    y = keras.layers.Conv3D(5, 3, padding="same", name="c")(inp)
    assert layer_cost.macs(graph.from_model(keras.Model(inp, y)).nodes["c"]) == (
        4 * 8 * 8 * 27 * 2 * 5
    )
    # transposed: every input position times the kernel (stride 2 doubles
    # the output, not the work)
    for layer, shape, positions, kernel in [
        (keras.layers.Conv1DTranspose, (16, 3), 16, 3),
        (keras.layers.Conv2DTranspose, (8, 8, 3), 64, 9),
        (keras.layers.Conv3DTranspose, (4, 4, 4, 3), 64, 27),
    ]:
        inp = keras.Input(shape)
        y = layer(7, 3, strides=2, padding="same", name="t")(inp)
        node = graph.from_model(keras.Model(inp, y)).nodes["t"]
        assert node.output_shape[1] == 2 * shape[0]
        assert layer_cost.macs(node) == positions * kernel * 3 * 7


def test_latencies_time_models_in_turns(tiny_xunet, monkeypatch):
    small = models.build("srnet", width_scale=1 / 8, input_shape=(32, 32, 1))
    result = profile.latencies([tiny_xunet, small], (32, 32), warmup=1, repeats=3)
    assert len(result) == 2 and all(ms > 0 for ms in result)
    calls = []
    monkeypatch.setattr(
        profile,
        "_compiled",
        lambda model, *_: lambda name=model.name: calls.append(name),
    )
    profile.latencies([tiny_xunet, small], (32, 32), warmup=1, repeats=3)
    # warm-up per model, then every round times each model once, in turns
    assert calls == ["xunet", "srnet"] + ["xunet", "srnet"] * 3
