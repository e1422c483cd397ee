"""Reading and writing 8-bit grayscale images, with errors that name the file.

Real steganalysis sets (BOSSbase, BOWS2) are folders of 8-bit grayscale PGM
files; PNG and TIFF are read the same way. Every check happens before any
pixel is used, so one bad file can never enter a data set as zeros.
"""

import os

import numpy as np
from PIL import Image, UnidentifiedImageError

from keras_sasrnet import atomic

SPATIAL_SUFFIXES = (".pgm", ".png", ".tif", ".tiff", ".bmp")
JPEG_SUFFIXES = (".jpg", ".jpeg")
# What Pillow must find inside a file of each suffix (its ``Image.format``).
FORMATS = {
    ".pgm": ("PPM",),
    ".png": ("PNG",),
    ".tif": ("TIFF",),
    ".tiff": ("TIFF",),
    ".bmp": ("BMP", "DIB"),
    ".jpg": ("JPEG", "MPO"),
    ".jpeg": ("JPEG", "MPO"),
}


class ImageError(ValueError):
    """An image file that cannot be used, with the file and the reason."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __reduce__(self):
        # Picklable with both arguments, so an error raised in a worker
        # process reaches the parent as itself (the default pickles only the
        # message and failed with "missing 1 required positional argument").
        return (type(self), (self.path, self.reason))


def open_checked(path):
    """Opens and fully decodes an image with Pillow, or raises ImageError.

    Decoding everything catches truncated files (Pillow raises where libjpeg
    and jpegio would silently fill the missing part with zeros).
    """
    if not os.path.isfile(path):
        raise ImageError(path, "no such file")
    try:
        # Above Pillow's pixel limit (89 MP) open raises; refused, naming the
        # file, before anything is decoded.
        image = Image.open(path)
        image.load()
    except Image.DecompressionBombError as e:
        raise ImageError(
            path, f"too many pixels, refused as a possible decompression bomb ({e})"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(path, "not an image file Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageError(path, f"unreadable or truncated ({e})") from None
    suffix = os.path.splitext(path)[1].lower()
    expected = FORMATS.get(suffix)
    if expected and image.format not in expected:
        # A JPEG named .pgm would be read as (decompressed) pixels: another
        # domain than its name says. The content decides, and must agree.
        raise ImageError(
            path, f"the file holds {image.format} data, not what {suffix} names"
        )
    return image


def to_gray(image, path, convert_color=False):
    """8-bit grayscale pixels of a decoded PIL image, or ImageError."""
    if image.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr", "LA"):
        if not convert_color:
            raise ImageError(
                path,
                f"colour image (mode {image.mode}); the detectors take 8-bit "
                "grayscale (convert it, or ask for conversion)",
            )
        image = image.convert("L")  # ITU-R 601 luma, as MATLAB rgb2gray
    if image.mode == "1":
        raise ImageError(path, "1-bit image; expected 8-bit grayscale")
    if image.mode != "L":
        raise ImageError(
            path, f"bit depth/mode {image.mode} is not 8-bit grayscale (mode L)"
        )
    return np.array(image, dtype=np.uint8)


def read_gray(path, size=None, convert_color=False):
    """Reads an 8-bit grayscale image as a (H, W) uint8 array.

    Args:
        path: a PGM, PNG, TIFF or BMP file (JPEG: see ``jpeg``).
        size: expected (H, W), or None to accept any.
        convert_color: convert colour images to luma instead of failing.

    Raises:
        ImageError: naming the file, for unreadable, truncated, colour (unless
            converted), non-8-bit or wrongly sized images.

    Example:
        >>> pixels = read_gray("BOSSbase/1.pgm", size=(512, 512))
    """
    pixels = to_gray(open_checked(path), path, convert_color)
    check_size(pixels.shape[:2], path, size)
    return pixels


def check_size(shape, path, size):
    """Raises ImageError unless (H, W) ``shape`` equals ``size`` (None: any)."""
    if size is not None and tuple(shape) != tuple(size):
        raise ImageError(
            path,
            f"size {shape[0]}x{shape[1]}, expected "
            f"{size[0]}x{size[1]} like the rest of the data set",
        )


def write_gray(path, pixels, quality=None):
    """Writes a (H, W) uint8 image atomically; JPEG at ``quality`` if given.

    The format follows the suffix (.pgm, .png, .jpg). JPEG uses libjpeg's
    standard tables scaled to ``quality`` (as MATLAB's imwrite).
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 2:
        raise ValueError(
            f"expected a 2-D uint8 image for {path}; received "
            f"{pixels.dtype} {pixels.shape}"
        )
    suffix = os.path.splitext(path)[1].lower()
    options = {}
    if suffix in JPEG_SUFFIXES:
        if quality is None or not 1 <= quality <= 100:
            raise ValueError(f"JPEG quality must be in [1, 100]; received {quality}")
        options = {"quality": int(quality), "subsampling": 0, "optimize": False}
    with atomic.replacing(path, suffix=suffix) as tmp:
        Image.fromarray(pixels, mode="L").save(tmp, **options)


# Image formats a folder may hold that the readers do not take: such files
# are listed as skipped (``scan_folder``), never dropped without a word.
OTHER_SUFFIXES = (
    ".pbm", ".ppm", ".pnm", ".pam", ".gif", ".webp", ".jp2", ".j2k", ".jxl",
    ".heic", ".heif", ".avif", ".ico", ".dng", ".cr2", ".nef", ".raw",
)  # fmt: skip


def scan_folder(folder):
    """(sorted image names, {name: why skipped}) of the files in ``folder``.

    Skipped, with the reason: files with an image suffix the readers do not
    take (``OTHER_SUFFIXES``), and symbolic links whose target lies outside
    ``folder`` (not followed: a data set is made of its folder's own files;
    links within it are followed). Hidden files and other suffixes are not
    images and are not listed.
    """
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"no such directory: {folder}")
    root = os.path.realpath(folder)
    names, skipped = [], {}
    for n in sorted(os.listdir(folder)):
        low, path = n.lower(), os.path.join(folder, n)
        if n.startswith("."):
            continue
        if low.endswith(OTHER_SUFFIXES):
            skipped[n] = (
                f"unsupported image format ({os.path.splitext(low)[1]}); the "
                f"readers take {', '.join(SPATIAL_SUFFIXES + JPEG_SUFFIXES)}"
            )
        elif low.endswith(SPATIAL_SUFFIXES + JPEG_SUFFIXES):
            target = os.path.realpath(path)
            if os.path.commonpath([root, target]) != root:
                skipped[n] = (
                    f"a symbolic link out of the folder (to {target}): not followed"
                )
            else:
                names.append(n)
    return names, skipped


def list_images(folder):
    """Sorted image names in ``folder``; a clear error for an empty folder
    or for files ``scan_folder`` skips (naming the first)."""
    names, skipped = scan_folder(folder)
    if skipped:
        first = sorted(skipped)[0]
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        raise ValueError(f"{os.path.join(folder, first)}: {skipped[first]}{more}")
    if not names:
        raise ValueError(
            f"{folder} holds no image ({', '.join(SPATIAL_SUFFIXES + JPEG_SUFFIXES)})"
        )
    return names
