import keras
import numpy as np

from keras_sasrnet import models, profile
from keras_sasrnet.models.layers import KV_KERNEL
from keras_sasrnet.slimming import find_groups
from tests.models import counts


def test_fixed_kv_filter():
    model = models.xunet((32, 32, 1))
    hpf = model.get_layer("hpf")
    assert not hpf.trainable
    assert all(v.path != hpf.kernel.path for v in model.trainable_weights)
    np.testing.assert_allclose(hpf.kernel.numpy()[:, :, 0, 0], KV_KERNEL)
    # The KV filter annihilates constant and linear ramps away from borders.
    ramp = np.add.outer(np.arange(32.0), 2 * np.arange(32.0))[None, :, :, None]
    out = keras.Model(model.input, hpf.output)(ramp.astype("float32"))
    np.testing.assert_allclose(np.asarray(out)[0, 2:-2, 2:-2, 0], 0, atol=1e-4)


def test_param_and_mac_counts():
    model = models.xunet((32, 32, 1))
    convs = counts.xunet_convs(32)
    trainable, total = profile.count_params(model)
    # convs 200 + 3,200 + 512 + 2,048 + 8,192; BN 2 x 248; fc 128 x 2 + 2
    assert trainable == counts.trainable(convs, frozen=("hpf",)) == 14_906
    assert total == trainable + 25 + 2 * 248  # hpf + BN moving statistics
    macs = profile.count_macs(model, (32, 32))
    assert macs == counts.macs(convs)
    assert macs["hpf"] == 32 * 32 * 25
    assert macs["g2_conv"] == 16 * 16 * 25 * 8 * 16
    assert macs["g5_conv"] == 2 * 2 * 64 * 128
    assert sum(macs.values()) == sum(counts.macs(convs).values()) == 1_148_160


def test_every_bn_is_its_own_prunable_group():
    groups = [g for g in find_groups(models.xunet((32, 32, 1))) if g.prunable]
    assert [g.bns for g in groups] == [(f"g{k}_bn",) for k in range(1, 6)]
    assert sum(g.channels for g in groups) == 248


def test_round_trip(tmp_path, tiny_xunet, images):
    tiny_xunet.save(tmp_path / "x.keras")
    loaded = models.load(str(tmp_path / "x.keras"))
    np.testing.assert_array_equal(loaded(images), tiny_xunet(images))
    dynamic = models.xunet((None, None, 1))
    assert dynamic(np.zeros((1, 48, 80, 1), "float32")).shape == (1, 2)
