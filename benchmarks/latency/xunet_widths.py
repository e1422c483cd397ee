"""How far slimming can speed up XuNet on this CPU (the demo's model).

  python -m benchmarks.latency.xunet_widths

XuNet at 256x256 with chosen widths, batch-1 latency in Keras (compiled
``tf.function``, the demo's Table 5 column) and in LiteRT float32, every
model timed in turns (median of 30 and 41 calls). Writes xunet_rows.json
here (the latency study's README shows it) and prints a table.
"""

import os
import tempfile

from keras_sasrnet import atomic, markdown, models, profile
from keras_sasrnet.export import convert, latency

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = (256, 256)


def variants():
    full = models.xunet_widths()
    return {
        "full": full,
        "g1 4": {**full, "g1_conv": 4},
        "g2 8": {**full, "g2_conv": 8},
        "g1 4, g2 8": {**full, "g1_conv": 4, "g2_conv": 8},
        "g1 2, g2 4": {**full, "g1_conv": 2, "g2_conv": 4},
        "g3-g5 halved": {**full, "g3_conv": 16, "g4_conv": 32, "g5_conv": 64},
        "every group 1": {name: 1 for name in full},
    }


def main():
    built = {n: models.xunet((*SIZE, 1), widths=w) for n, w in variants().items()}
    times = profile.latencies(list(built.values()), SIZE, repeats=30)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, f"{k}.tflite") for k in range(len(built))]
        for m, path in zip(built.values(), paths, strict=True):
            convert.export_tflite(m, path, input_size=SIZE)
        lite = latency.file_latencies(paths, SIZE, rounds=41)
    full_macs = sum(profile.count_macs(built["full"], SIZE).values())
    rows = []
    for (name, m), ms, lite_ms in zip(built.items(), times, lite, strict=True):
        macs = sum(profile.count_macs(m, SIZE).values())
        rows.append(
            {
                "name": name,
                "widths": variants()[name],
                "keras_ms": round(ms, 3),
                "speedup": round(times[0] / ms, 3),
                "litert_ms": round(lite_ms, 3),
                "litert_speedup": round(lite[0] / lite_ms, 3),
                "mac_share": round(macs / full_macs, 4),
            }
        )
    atomic.write_json(os.path.join(HERE, "xunet_rows.json"), rows)
    print(table(rows))


def table(rows):
    """The rows as a markdown table."""
    cells = [
        [
            r["name"],
            f"{100 * r['mac_share']:.1f} %",
            f"{r['keras_ms']:.2f} ({r['speedup']:.2f}x)",
            f"{r['litert_ms']:.2f} ({r['litert_speedup']:.2f}x)"
            if "litert_ms" in r
            else "",
        ]
        for r in rows
    ]
    return markdown.table(
        ["XuNet widths", "MACs of full", "Keras ms", "LiteRT float32 ms"], cells
    )


if __name__ == "__main__":
    main()
