"""The embedding algorithms (conseal) and one cover's embedding.

Spatial algorithms take 8-bit grayscale covers and a payload in bits per
pixel; JPEG algorithms take grayscale JPEG covers and a payload in bits per
non-zero AC coefficient (bpnzAC). ``embed`` makes whole stego sets with them.
"""

import hashlib

import conseal
import numpy as np

from keras_sasrnet.data import images, jpeg


def _spatial(simulate, **extra):
    def embed(x0, payload, seed):
        return simulate(x0, payload, seed=seed, **extra)

    return embed


def _lsbm(x0, payload, seed):
    return conseal.lsb.simulate(
        x0, payload, modify=conseal.LSB_MATCHING, permute=True, seed=seed
    )


# name -> (domain, function(cover, payload, seed) -> stego)
SPATIAL = {
    "hill": _spatial(conseal.hill.simulate_single_channel),
    "hugo": _spatial(conseal.hugo.simulate_single_channel),
    "suniward": _spatial(conseal.suniward.simulate_single_channel),
    "wow": _spatial(conseal.wow.simulate_single_channel),
    "mipod": _spatial(conseal.mipod.simulate_single_channel),
    "lsbm": _lsbm,
}


def _uerd(x0, y0, qt, payload, seed):
    return conseal.uerd.simulate_single_channel(y0, qt, payload, seed=seed)


def _juniward(x0, y0, qt, payload, seed):
    return conseal.juniward.simulate_single_channel(x0, y0, qt, payload, seed=seed)


def _nsf5(x0, y0, qt, payload, seed):
    return conseal.nsF5.simulate_single_channel(y0, payload, seed=seed)


def _ebs(x0, y0, qt, payload, seed):
    # conseal's EBS (2025.11) reads its rate per embeddable coefficient (60 of
    # 64 per block), not per non-zero AC as its docstring says and the other
    # JPEG algorithms do: rescaled to bpnzAC. Unscaled, "0.4" changed 49-78 %
    # of the non-zero AC coefficients of 32x32 q75 crops (UERD: 6-8 %).
    embeddable = y0.size - 4 * y0.shape[0] * y0.shape[1]
    alpha = payload * conseal.tools.dct.nzAC(y0) / embeddable
    return conseal.ebs.simulate_single_channel(y0, qt, alpha, seed=seed)


JPEG = {"uerd": _uerd, "juniward": _juniward, "nsf5": _nsf5, "ebs": _ebs}
ALGORITHMS = sorted(SPATIAL) + sorted(JPEG)


def image_seed(base_seed, name):
    """A 31-bit seed for one image from the run's seed and the file name."""
    digest = hashlib.sha256(f"{base_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


class CannotCarry(ValueError):
    """A cover that cannot carry any payload (expected, not a failure)."""


def nonzero_ac(coefs):
    """Number of non-zero AC coefficients of a coefficient plane (H, W)."""
    ac = np.asarray(coefs).copy()
    ac[::8, ::8] = 0  # the DC term of every 8x8 block
    return int(np.count_nonzero(ac))


def embed_array(algorithm, cover_path, payload, seed, size=None):
    """(cover, stego) arrays of one cover: pixels, or DCT coefficient planes.

    ``size``: the (H, W) the cover set's manifest promises; a cover of
    another size is an ``ImageError`` naming it.
    """
    if algorithm in SPATIAL:
        x0 = images.read_gray(cover_path, size)
        x1 = SPATIAL[algorithm](x0, payload, seed)
        return x0, np.asarray(x1).astype(np.uint8)
    coefs, qt = jpeg.read_coefficients(cover_path, size)
    if nonzero_ac(coefs) == 0:
        # A flat tile quantised to DC only: payload is in bits per non-zero
        # AC coefficient, so there is nothing to embed into (conseal raises).
        raise CannotCarry("no non-zero AC coefficient: cannot carry a payload")
    x0 = images.to_gray(images.open_checked(cover_path), cover_path).astype(np.float64)
    y1 = JPEG[algorithm](x0, jpeg.to_blocks(coefs), qt, payload, seed)
    return coefs, jpeg.from_blocks(np.asarray(y1)).astype(coefs.dtype)
