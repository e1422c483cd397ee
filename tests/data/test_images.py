import numpy as np
import pytest
from PIL import Image

from keras_sasrnet.data import images
from keras_sasrnet.data.images import ImageError


def test_reads_8bit_grayscale(tmp_path, photo):
    for suffix in (".pgm", ".png", ".tif"):
        path = tmp_path / f"a{suffix}"
        images.write_gray(str(path), photo)
        np.testing.assert_array_equal(images.read_gray(str(path), size=(64, 64)), photo)


def test_colour_is_an_error_unless_converted(tmp_path, photo):
    path = tmp_path / "rgb.png"
    Image.fromarray(np.stack([photo] * 3, axis=-1)).save(path)
    with pytest.raises(ImageError, match=r"rgb.png: colour image \(mode RGB\)"):
        images.read_gray(str(path))
    np.testing.assert_array_equal(
        images.read_gray(str(path), convert_color=True), photo
    )


def test_bit_depth_other_than_8(tmp_path):
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((8, 8), 40000, np.uint16)).save(path)
    with pytest.raises(ImageError, match="deep.png: bit depth/mode I;16"):
        images.read_gray(str(path))


def test_truncated_and_garbage_files(tmp_path, photo):
    good = tmp_path / "good.png"
    images.write_gray(str(good), photo)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:300])
    with pytest.raises(ImageError, match="cut.png: unreadable or truncated"):
        images.read_gray(str(cut))
    junk = tmp_path / "junk.pgm"
    junk.write_bytes(b"definitely not an image")
    with pytest.raises(ImageError, match="junk.pgm: not an image file"):
        images.read_gray(str(junk))
    with pytest.raises(ImageError, match="missing.pgm: no such file"):
        images.read_gray(str(tmp_path / "missing.pgm"))


def test_wrong_size(tmp_path, photo):
    path = tmp_path / "a.pgm"
    images.write_gray(str(path), photo[:, :40])
    with pytest.raises(ImageError, match="size 64x40, expected 64x64"):
        images.read_gray(str(path), size=(64, 64))


def test_list_images(tmp_path):
    with pytest.raises(ValueError, match="holds no image"):
        images.list_images(str(tmp_path))
    with pytest.raises(NotADirectoryError, match="nowhere"):
        images.list_images(str(tmp_path / "nowhere"))
    (tmp_path / "b.pgm").write_bytes(b"")
    (tmp_path / "a.JPG").write_bytes(b"")
    (tmp_path / "notes.txt").write_bytes(b"")
    assert images.list_images(str(tmp_path)) == ["a.JPG", "b.pgm"]


def test_write_is_atomic_and_checked(tmp_path, photo):
    with pytest.raises(ValueError, match="2-D uint8"):
        images.write_gray(str(tmp_path / "a.pgm"), photo.astype(np.float32))
    with pytest.raises(ValueError, match="quality must be in"):
        images.write_gray(str(tmp_path / "a.jpg"), photo, quality=0)
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_image_error_survives_a_worker_process():
    import pickle

    e = images.ImageError("/data/a.pgm", "truncated")
    again = pickle.loads(pickle.dumps(e))
    assert (type(again), again.path, again.reason, str(again)) == (
        images.ImageError,
        "/data/a.pgm",
        "truncated",
        "/data/a.pgm: truncated",
    )


def test_decompression_bomb_is_an_image_error(tmp_path, monkeypatch):
    from PIL import Image

    path = str(tmp_path / "big.png")
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 4,096 > 2 x 1,000
    with pytest.raises(images.ImageError, match="big.png: too many pixels"):
        images.open_checked(path)
