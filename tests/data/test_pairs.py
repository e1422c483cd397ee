import os

import jpeglib
import numpy as np
import pytest
import scipy.fft

from keras_sasrnet.data import demo, embed, pairs
from keras_sasrnet.data.manifest import Manifest


@pytest.fixture(scope="module")
def demo_pairs(tmp_path_factory):
    root = tmp_path_factory.mktemp("pairs")
    covers = demo.demo_covers(str(root / "covers"), size=32, stride=64)
    stegos = str(root / "lsbm")
    embed.embed_dataset(covers, stegos, "lsbm", 1.0, workers=2, progress=False)
    return covers, stegos


def dihedral(image):
    """The 8 rotations/flips of an (H, W) image."""
    out = []
    for k in range(4):
        r = np.rot90(image, k)
        out += [r, r[:, ::-1]]
    return out


def test_batches_hold_covers_with_their_own_stego(demo_pairs):
    covers, stegos = demo_pairs
    originals = {}
    for name in Manifest.load(covers).names("train"):
        from keras_sasrnet.data.images import read_gray

        originals[name] = read_gray(os.path.join(covers, name)).astype(np.float32)
    bank = [v for image in originals.values() for v in dihedral(image)]
    ds = pairs.pair_dataset(covers, stegos, "train", pairs_per_batch=4, seed=0)
    for x, y in ds.take(5):
        x, y = x.numpy(), y.numpy()
        assert x.shape == (8, 32, 32, 1) and x.dtype == np.float32
        np.testing.assert_array_equal(y, [0, 1] * 4)
        for cover, stego in zip(x[0::2, ..., 0], x[1::2, ..., 0], strict=True):
            # LSB matching changes pixels by +-1: any other orientation or
            # another image would differ by far more.
            diff = np.abs(stego - cover)
            assert diff.max() == 1 and diff.mean() > 0.2
            assert any(np.array_equal(cover, b) for b in bank)


def test_deterministic_and_reshuffled(demo_pairs):
    covers, stegos = demo_pairs

    def first(seed, in_memory=None, n=30):
        ds = pairs.pair_dataset(
            covers, stegos, "train", 4, seed=seed, in_memory=in_memory
        )
        return [x.numpy() for x, _ in ds.take(n)]

    a, b = first(1), first(1, in_memory=False)
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    c = first(2)
    assert not all(np.array_equal(p, q) for p, q in zip(a, c, strict=True))
    # One epoch is len(train) // 4 batches; the next epoch's order differs.
    per_epoch = pairs.steps_per_epoch(covers, "train", 4)
    run = first(1, n=2 * per_epoch)
    assert not np.array_equal(run[0], run[per_epoch])


def test_evaluation_order_covers_every_pair_once(demo_pairs):
    covers, stegos = demo_pairs
    names = Manifest.load(covers).names("test")
    batches = list(pairs.pair_dataset(covers, stegos, "test", 5, training=False))
    assert sum(len(y) for _, y in batches) == 2 * len(names)
    from keras_sasrnet.data.images import read_gray

    first = read_gray(os.path.join(covers, names[0])).astype(np.float32)
    np.testing.assert_array_equal(batches[0][0].numpy()[0, ..., 0], first)


def test_cover_without_stego_is_left_out_and_counted(demo_pairs, tmp_path):
    covers, stegos = demo_pairs
    partial = Manifest.load(stegos)
    dropped = partial.files[:2]
    partial.files = partial.files[2:]
    partial.skipped = {dropped[0]["name"]: "no non-zero AC coefficient"}
    partial.save(str(tmp_path))
    split = dropped[0]["split"]
    lines = []
    c, s, _ = pairs.match_pairs(covers, str(tmp_path), split, log=lines.append)
    names = {os.path.basename(p) for p in c}
    assert dropped[0]["name"] not in names and len(c) == len(s)
    total = len(Manifest.load(covers).names(split))
    assert len(names) == total - sum(f["split"] == split for f in dropped)
    assert len(lines) == 1 and lines[0].startswith(f"split {split!r}: ")
    assert "1 skipped: cannot carry the payload" in lines[0]
    # Strict pairing stops, counting every split.
    with pytest.raises(ValueError, match="strict pairing") as info:
        pairs.match_pairs(covers, str(tmp_path), "train", strict=True)
    for f in dropped:
        assert f"split {f['split']!r}" in str(info.value)
    assert pairs.unpaired(covers, str(tmp_path)) == {
        part: [f["name"] for f in dropped if f["split"] == part]
        for part in {f["split"] for f in dropped}
    }
    with pytest.raises(ValueError, match="pairs_per_batch must be >= 1"):
        pairs.pair_dataset(covers, stegos, "train", 0)
    with pytest.raises(ValueError, match="fewer than one batch"):
        pairs.pair_dataset(covers, stegos, "val", 10_000)


def jpeg_pixels(path):
    """A JPEG decompressed as the network should see it, computed here
    independently (jpeglib's coefficients, scipy's inverse DCT): dequantised,
    inverse DCT, +128, neither rounded nor clipped."""
    dct = jpeglib.read_dct(path)
    blocks = scipy.fft.idctn(dct.Y * dct.qt[0], type=2, norm="ortho", axes=(2, 3))
    bh, bw = blocks.shape[:2]
    return blocks.transpose(0, 2, 1, 3).reshape(8 * bh, 8 * bw) + 128.0


def test_jpeg_domain_feeds_unrounded_pixels(tmp_path):
    from keras_sasrnet.data import prepare

    src = demo.demo_covers(str(tmp_path / "src"), size=32, stride=256)
    covers = str(tmp_path / "q75")
    prepare.prepare_dataset(
        src, covers, jpeg_quality=75, split=(0.8, 0.1, 0.1), workers=2, progress=False
    )
    stegos = str(tmp_path / "uerd")
    embed.embed_dataset(covers, stegos, "uerd", 0.4, workers=2, progress=False)
    # Unaugmented and in order, every image of every pair against its file.
    cover_paths, stego_paths, _ = pairs.match_pairs(covers, stegos)
    pairs_of_paths = zip(cover_paths, stego_paths, strict=True)
    expected = np.stack([jpeg_pixels(p) for pair in pairs_of_paths for p in pair])
    ds = pairs.pair_dataset(covers, stegos, None, 16, training=False)
    x = np.concatenate([b.numpy()[..., 0] for b, _ in ds])
    np.testing.assert_allclose(x, expected, rtol=0, atol=1e-3)
    # The comparison can tell: the files hold pixels between grey levels,
    # and below 0 or above 255, that rounding or clipping would change.
    assert np.abs(expected - np.round(expected)).max() > 0.1
    assert expected.min() < -0.5 and expected.max() > 255.5
    # Training batches (augmented) hold the same values, turned or flipped.
    bank = np.stack([v for image in expected for v in dihedral(image)])
    train, _ = next(iter(pairs.pair_dataset(covers, stegos, "train", 2, seed=0)))
    for image in train.numpy()[..., 0]:
        assert np.abs(bank - image).max(axis=(1, 2)).min() < 1e-3
