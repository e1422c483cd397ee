import numpy as np
import pytest

from keras_sasrnet.data.resize import imresize


def test_constant_and_shape():
    out = imresize(np.full((20, 12), 77, np.uint8), (10, 6))
    assert out.shape == (10, 6) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, 77)


def test_halving_samples_between_pixels_like_matlab():
    # MATLAB maps output pixel x to input 2x - 0.5 (1-based): the midpoint of
    # two input pixels. Cubic weights reproduce a linear ramp exactly there.
    ramp = np.add.outer(3 * np.arange(32), 5 * np.arange(32)).astype(np.uint8)
    out = imresize(ramp, (16, 16)).astype(int)
    i = np.arange(16)
    expected = np.add.outer(3 * (2 * i + 0.5), 5 * (2 * i + 0.5))
    np.testing.assert_array_equal(out[3:-3, 3:-3], np.floor(expected + 0.5)[3:-3, 3:-3])


def test_antialiasing_removes_a_checkerboard():
    checker = (np.indices((32, 32)).sum(0) % 2 * 255).astype(np.uint8)
    out = imresize(checker, (16, 16))
    # Plain subsampling would keep 0 or 255; the stretched kernel averages.
    assert np.all(np.abs(out[2:-2, 2:-2].astype(int) - 128) <= 1)


def test_errors():
    with pytest.raises(ValueError, match="2-D image"):
        imresize(np.zeros((4, 4, 3), np.uint8), (2, 2))
    with pytest.raises(ValueError, match="positive"):
        imresize(np.zeros((4, 4), np.uint8), (0, 2))
