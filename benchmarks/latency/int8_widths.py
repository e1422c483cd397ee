"""Why slimmed SRNets do not get faster in int8: LiteRT latency of SRNets of
one width everywhere, float32 against int8, on this CPU.

  python -m benchmarks.latency.int8_widths

SRNet at 256x256 with every layer at 4, 8, 16 and 32 channels and the full
SRNet, converted to float32 and to fully integer int8 ``.tflite`` (random
calibration images: calibration does not change the work), batch 1, all
files timed in turns (median of 21 calls). Writes int8_rows.json here (the
latency study's README shows it) and prints a table.
"""

import os
import tempfile

import numpy as np

from keras_sasrnet import atomic, markdown, models
from keras_sasrnet.export import convert, latency

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = (256, 256)
WIDTHS = (4, 8, 16, 32)


def main():
    rng = np.random.default_rng(0)
    calibration = rng.uniform(0, 255, (8, *SIZE, 1)).astype(np.float32)
    full = models.srnet_widths()
    variants = {f"every layer {c}": {k: c for k in full} for c in WIDTHS}
    variants["full SRNet"] = full
    paths = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, widths in enumerate(variants.values()):
            model = models.srnet((*SIZE, 1), widths=widths)
            for mode in ("float32", "int8"):
                path = os.path.join(tmp, f"{k}_{mode}.tflite")
                convert.export_tflite(
                    model,
                    path,
                    mode=mode,
                    input_size=SIZE,
                    representative=calibration,
                    float_stem=False,
                )
                paths.append(path)
        times = latency.file_latencies(paths, SIZE, rounds=21)
    rows = [
        {
            "name": name,
            "float32_ms": round(times[2 * k], 3),
            "int8_ms": round(times[2 * k + 1], 3),
        }
        for k, name in enumerate(variants)
    ]
    atomic.write_json(os.path.join(HERE, "int8_rows.json"), rows)
    print(table(rows))


def table(rows):
    """The rows as a markdown table (speed-ups against full SRNet float32)."""
    full = next(r["float32_ms"] for r in rows if r["name"] == "full SRNet")
    cells = [
        [
            r["name"],
            f"{r['float32_ms']:.2f} ({full / r['float32_ms']:.2f}x)",
            f"{r['int8_ms']:.2f} ({full / r['int8_ms']:.2f}x)",
        ]
        for r in rows
    ]
    return markdown.table(["SRNet widths", "float32 ms", "int8 ms"], cells)


if __name__ == "__main__":
    main()
