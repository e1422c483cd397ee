"""Scoring image files with a detector: the engine of ``sasrnet_detect``.

Detectors come as ``.keras`` files, SavedModel folders, ``.tflite`` or
``.onnx`` files.

Any image size the architecture accepts is scored as it is (SRNet and XuNet
are fully convolutional up to global pooling). JPEG files are fed in the
domain the model was trained on, read from the model's metadata: "jpeg"
models get the decompressed, unrounded pixels; "spatial" models get the
decoded 8-bit pixels. An unreadable file is reported and the rest go on.
"""

import csv
import dataclasses
import io
import itertools
import os
import sys

import numpy as np

from keras_sasrnet import atomic
from keras_sasrnet.data import images, jpeg
from keras_sasrnet.evaluation.metrics import stego_probability
from keras_sasrnet.models import formats


@dataclasses.dataclass(frozen=True)
class Score:
    path: str
    probability: float | None  # of stego; None when the file failed
    error: str = ""


def expand(inputs):
    """(files, {file: why skipped}) from files and folders.

    A folder gives its images, sorted; what ``images.scan_folder`` skips in
    it (unsupported image formats, symbolic links out of the folder) is
    returned with the reason, to be reported, not scored. A file named
    itself is scored whatever it is.
    """
    paths, skipped = [], {}
    for item in inputs:
        if os.path.isdir(item):
            names, why = images.scan_folder(item)
            paths += [os.path.join(item, n) for n in names]
            skipped.update({os.path.join(item, n): r for n, r in why.items()})
        elif os.path.exists(item):
            paths.append(item)
        else:
            raise FileNotFoundError(f"no such file or folder: {item}")
    if not paths and not skipped:
        raise ValueError(f"no image found in {list(inputs)}")
    return paths, skipped


def read_for(domain, path):
    """The network input (H, W, 1) float32 of one file for a model's domain."""
    if path.lower().endswith(images.JPEG_SUFFIXES) and domain == "jpeg":
        return jpeg.read_pixels(path)[:, :, None]
    if path.lower().endswith(images.JPEG_SUFFIXES):
        jpeg.check_jpeg(path)  # complete and grayscale, before decoding
    return images.read_gray(path).astype(np.float32)[:, :, None]


class Detector:
    """A detector in any format (.keras, SavedModel, .tflite, .onnx), any input size.

    Example:
        >>> Detector("slim.keras").score(["a.pgm", "b.pgm"])
    """

    def __init__(self, path, trust_savedmodel=False):
        self.logits, self.metadata = formats.open_detector(
            path, trust_savedmodel=trust_savedmodel, flag="--trust_savedmodel"
        )
        self.domain = self.metadata.get("domain", "spatial")
        # Smaller images are mostly padding by the last convolutions.
        self.min_side = int(self.metadata.get("min_side", 1))

    def probabilities(self, batch):
        """Stego probability of every image in a (N, H, W, 1) batch."""
        return stego_probability(np.asarray(self.logits(batch)))

    def score(self, paths):
        """Yields a ``Score`` per path, in order; failures do not stop it."""
        for path in paths:
            try:
                x = read_for(self.domain, path)
            except images.ImageError as e:
                yield Score(path, None, e.reason)
                continue
            if min(x.shape[:2]) < self.min_side:
                yield Score(
                    path,
                    None,
                    f"{x.shape[0]}x{x.shape[1]} is too small to score: this "
                    f"detector's sides shrink {self.min_side}-fold",
                )
                continue
            try:
                yield Score(path, float(self.probabilities(x[None])[0]))
            except (ValueError, RuntimeError) as e:  # e.g. a size a model refuses
                yield Score(path, None, f"model refused it: {e}")


def score_files(model, inputs, threshold=0.5, out="scores.csv", trust_savedmodel=False):
    """Scores ``inputs`` (files, folders) with ``model``: a CSV and a summary.

    Writes a row per file (file, p_stego, verdict at ``threshold``, error) to
    ``out`` ("-": standard output), lists failed files on stderr and prints a
    summary line. Returns the number of files that failed.
    """
    if out != "-" and os.path.isdir(out):
        raise ValueError(
            f"--out={out} is a folder: give a file (e.g. {out}/scores.csv)"
        )
    paths, skipped = expand(inputs)
    detector = Detector(model, trust_savedmodel)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "p_stego", "verdict", "error"])
    stego = cover = failed = 0
    refused = [Score(p, None, why) for p, why in sorted(skipped.items())]
    for s in itertools.chain(detector.score(paths), refused):
        if s.probability is None:
            failed += 1
            writer.writerow([s.path, "", "error", s.error])
            print(f"failed: {s.path}: {s.error}", file=sys.stderr)
            continue
        verdict = "stego" if s.probability > threshold else "cover"
        stego += verdict == "stego"
        cover += verdict == "cover"
        writer.writerow([s.path, f"{s.probability:.6f}", verdict, ""])
    if out == "-":
        sys.stdout.write(buffer.getvalue())
    else:
        atomic.write_text(out, buffer.getvalue())
    print(
        f"scored {stego + cover} of {len(paths) + len(refused)} files: "
        f"{stego} stego, {cover} cover "
        f"(threshold {threshold}, {detector.domain} domain); "
        f"{failed} failed" + ("" if out == "-" else f"; wrote {out}")
    )
    return failed
