import numpy as np
import pytest
from PIL import Image

from keras_sasrnet.evaluation import plots


def check_png(path, min_bytes=8_000):
    assert path.exists() and path.stat().st_size > min_bytes
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width > 300 and image.height > 200
        # Not a blank canvas: a plot has many distinct colours.
        assert len(image.convert("RGB").getcolors(1 << 20)) > 20


def test_every_plot_is_a_png(tmp_path):
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 200)
    curves = {
        "full": (y, rng.uniform(size=400) + 0.4 * y),
        "slim": (y, rng.uniform(size=400) + 0.2 * y),
    }
    plots.roc_curves(curves, tmp_path / "roc.png")
    history = [
        {
            "epoch": e,
            "loss": 1 / e,
            "accuracy": 1 - 0.5 / e,
            "val_loss": 1.1 / e,
            "val_accuracy": 1 - 0.6 / e,
        }
        for e in range(1, 8)
    ]
    plots.training_curves(history, tmp_path / "curves.png")
    plots.gamma_histogram(
        rng.normal(1, 0.1, 300), rng.exponential(0.1, 300), tmp_path / "gamma.png"
    )
    plots.accuracy_vs_rate(
        [0.2, 0.4, 0.6],
        [0.9, 0.8, 0.6],
        [0.95, 0.93, 0.9],
        tmp_path / "rate.png",
        baseline=0.95,
    )
    for name in ("roc", "curves", "gamma", "rate"):
        check_png(tmp_path / f"{name}.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "curves.png",
        "gamma.png",
        "rate.png",
        "roc.png",
    ]  # no temp file left behind
    with pytest.raises(ValueError, match="no training history"):
        plots.training_curves([], tmp_path / "none.png")
