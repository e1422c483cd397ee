import subprocess
import sys

import jpeglib
import numpy as np
import pytest
from PIL import Image

from keras_sasrnet.data import images, jpeg
from keras_sasrnet.data.images import ImageError


@pytest.fixture
def jpeg_file(tmp_path, photo):
    path = tmp_path / "cover.jpg"
    images.write_gray(str(path), photo, quality=75)
    return str(path)


def test_decompression_matches_pillow_within_one_level(jpeg_file):
    pixels = jpeg.read_pixels(jpeg_file)
    assert pixels.dtype == np.float32 and pixels.shape == (64, 64)
    assert not np.allclose(pixels, np.round(pixels))  # really not rounded
    pillow = np.array(Image.open(jpeg_file)).astype(np.float32)
    assert np.max(np.abs(np.clip(np.round(pixels), 0, 255) - pillow)) <= 1


def test_layouts_convert_both_ways_and_match_jpeglib(jpeg_file):
    coefs, qt = jpeg.read_coefficients(jpeg_file)
    blocks = jpeg.to_blocks(coefs)
    assert blocks.shape == (8, 8, 8, 8)
    np.testing.assert_array_equal(jpeg.from_blocks(blocks), coefs)
    reference = jpeglib.read_dct(jpeg_file)
    np.testing.assert_array_equal(blocks, reference.Y)
    np.testing.assert_array_equal(qt, reference.qt[0])


def test_written_coefficients_read_back_identical(jpeg_file, tmp_path):
    coefs, _ = jpeg.read_coefficients(jpeg_file)
    changed = coefs.copy()
    changed[3, 5] += 1
    changed[40, 17] -= 1
    out = tmp_path / "stego.jpg"
    jpeg.write_coefficients(jpeg_file, changed, str(out))
    np.testing.assert_array_equal(jpeg.read_coefficients(str(out))[0], changed)
    np.testing.assert_array_equal(jpeglib.read_dct(str(out)).Y, jpeg.to_blocks(changed))


def test_bad_jpegs_raise_instead_of_killing_the_process(tmp_path, jpeg_file, photo):
    fake = tmp_path / "fake.jpg"
    images.write_gray(str(tmp_path / "x.png"), photo)
    fake.write_bytes((tmp_path / "x.png").read_bytes())
    # jpegio.read on this file would end the process; the check comes first.
    code = (
        "from keras_sasrnet.data import jpeg\n"
        "try:\n"
        f"    jpeg.read_coefficients({str(fake)!r})\n"
        "except ValueError as e:\n"
        "    print('caught', e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert (
        "caught" in result.stdout
        and "the file holds PNG data, not what .jpg names" in result.stdout
    )
    cut = tmp_path / "cut.jpg"
    data = open(jpeg_file, "rb").read()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="cut.jpg: unreadable or truncated"):
        jpeg.read_coefficients(str(cut))
    colour = tmp_path / "colour.jpg"
    Image.fromarray(np.stack([photo] * 3, -1)).save(colour, quality=90)
    with pytest.raises(ImageError, match="colour.jpg: JPEG is not grayscale"):
        jpeg.read_pixels(str(colour))
    with pytest.raises(ImageError, match="expected 32x32"):
        jpeg.read_pixels(jpeg_file, size=(32, 32))
