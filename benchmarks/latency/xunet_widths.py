"""How far slimming can speed up XuNet in Keras on this CPU (the demo's model).

  python -m benchmarks.latency.xunet_widths

XuNet at 256x256 with chosen widths, batch-1 Keras latency (compiled
``tf.function``, the demo's Table 5 column), every model timed in turns
(median of 30 calls). Writes xunet_rows.json here and prints a table.
"""

import os

from keras_sasrnet import atomic, markdown, models, profile

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
    full_macs = sum(profile.count_macs(built["full"], SIZE).values())
    rows = []
    for (name, m), ms in zip(built.items(), times, strict=True):
        macs = sum(profile.count_macs(m, SIZE).values())
        rows.append(
            {
                "name": name,
                "widths": variants()[name],
                "keras_ms": round(ms, 3),
                "speedup": round(times[0] / ms, 3),
                "mac_share": round(macs / full_macs, 4),
            }
        )
    atomic.write_json(os.path.join(HERE, "xunet_rows.json"), rows)
    cells = [
        [
            r["name"],
            f"{100 * r['mac_share']:.1f} %",
            f"{r['keras_ms']:.2f}",
            f"{r['speedup']:.2f}x",
        ]
        for r in rows
    ]
    print(
        markdown.table(["XuNet widths", "MACs of full", "Keras ms", "speed-up"], cells)
    )


if __name__ == "__main__":
    main()
