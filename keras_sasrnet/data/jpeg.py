"""JPEG as DCT coefficients (jpegio) and as the network's float input.

The network sees a JPEG decompressed *without rounding or clipping*:
coefficients times the quantisation table, 8x8 inverse DCT, +128.

jpegio is not safe on bad files (verified, jpegio 0.2.8): reading a file that
is not a JPEG ends the whole process with status 1 and no exception, and a
truncated JPEG reads silently with its missing blocks zero. So every file is
first decoded in full by Pillow (which raises on both), then handed over.

Layouts: jpegio gives the 2-D (H, W) coefficient plane; conseal and jpeglib
use the 4-D (H/8, W/8, 8, 8) blocks. ``to_blocks``/``from_blocks`` convert.
"""

import os

import jpegio
import numpy as np

from keras_sasrnet import atomic
from keras_sasrnet.data.images import ImageError, check_size, open_checked


def _dct_matrix():
    # Orthonormal DCT-II basis: row u, column x. JPEG's IDCT is D.T @ F @ D.
    u = np.arange(8)[:, None]
    x = np.arange(8)[None, :]
    d = np.cos((2 * x + 1) * u * np.pi / 16) * np.sqrt(2 / 8)
    d[0] /= np.sqrt(2)
    return d


DCT = _dct_matrix()


def to_blocks(plane):
    """(H, W) coefficient plane (jpegio) -> (H/8, W/8, 8, 8) blocks (conseal)."""
    h, w = plane.shape
    return plane.reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)


def from_blocks(blocks):
    """(H/8, W/8, 8, 8) blocks -> (H, W) plane; the inverse of ``to_blocks``."""
    bh, bw = blocks.shape[:2]
    return blocks.transpose(0, 2, 1, 3).reshape(bh * 8, bw * 8)


def check_jpeg(path, size=None):
    """Raises ImageError unless ``path`` is a complete grayscale JPEG.

    Args:
        path: the file.
        size: expected (H, W), or None.
    """
    image = open_checked(path)
    if image.format != "JPEG":
        raise ImageError(path, f"not a JPEG file (Pillow reads it as {image.format})")
    if image.mode != "L":
        raise ImageError(path, f"JPEG is not grayscale (mode {image.mode})")
    check_size((image.height, image.width), path, size)
    if image.height % 8 or image.width % 8:
        raise ImageError(
            path, f"size {image.height}x{image.width} is not a multiple of 8"
        )


def read_coefficients(path, size=None):
    """Quantised DCT coefficients (H, W) int32 and the 8x8 table of a JPEG.

    Example:
        >>> coefs, qt = read_coefficients("1.jpg")
    """
    check_jpeg(path, size)
    jpeg = jpegio.read(os.fspath(path))
    return np.array(jpeg.coef_arrays[0]), np.array(jpeg.quant_tables[0])


def decompress(coefs, qt):
    """Float pixels (H, W) of a coefficient plane: no rounding, no clipping."""
    blocks = to_blocks(coefs.astype(np.float64)) * qt
    pixels = np.einsum("ux,abuv,vy->abxy", DCT, blocks, DCT) + 128.0
    return from_blocks(pixels).astype(np.float32)


def read_pixels(path, size=None):
    """The network input of a JPEG: ``decompress(*read_coefficients(path))``."""
    return decompress(*read_coefficients(path, size))


def write_coefficients(cover_path, coefs, path):
    """Writes ``coefs`` into a copy of the cover JPEG, atomically.

    Tables, Huffman coding and markers stay the cover's; only the
    coefficients change, so the stego reads back identical.
    """
    jpeg = jpegio.read(os.fspath(cover_path))
    if jpeg.coef_arrays[0].shape != coefs.shape:
        raise ValueError(
            f"coefficients {coefs.shape} do not fit {cover_path} "
            f"{jpeg.coef_arrays[0].shape}"
        )
    jpeg.coef_arrays[0][:] = coefs
    with atomic.replacing(path, suffix=".jpg") as tmp:
        jpeg.write(tmp)
