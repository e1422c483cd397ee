"""Small real images written to temporary folders."""

import numpy as np
import pytest
import skimage.data
from PIL import Image


@pytest.fixture
def cover_folder(tmp_path):
    """Twelve 32x32 grayscale PGM crops of a photograph."""
    folder = tmp_path / "src"
    folder.mkdir()
    camera = skimage.data.camera()
    for k in range(12):
        r, c = divmod(k, 4)
        crop = camera[100 + 32 * r : 132 + 32 * r, 100 + 32 * c : 132 + 32 * c]
        Image.fromarray(np.ascontiguousarray(crop)).save(folder / f"img{k:02d}.pgm")
    return folder
