"""What ``sasrnet_prepare`` and ``sasrnet_embed`` report about a set they wrote."""

from keras_sasrnet.data.manifest import SPLITS


def covers(m, out):
    """Lines about the cover set ``m`` written to ``out``: size, split, skips."""
    counts = {s: len(m.names(s)) for s in SPLITS}
    lines = [
        f"{out}: {len(m.files)} {m.domain} images of {m.size[0]}x{m.size[1]}"
        f", split {counts}; skipped {len(m.failed)}"
    ]
    left_out = m.info.get("left_out", 0)
    if left_out:
        lines.append(f"  left out {left_out} source images beyond the split's counts")
    lines += [f"  skipped {name}: {reason}" for name, reason in m.failed.items()]
    return "\n".join(lines)


def stegos(m, out):
    """Lines about the stego set ``m`` written to ``out``: change rate, failures.

    Lists the stegos identical to their cover, the first 10 covers that could
    not carry the payload and every failed image.
    """
    rates = [f["change_rate"] for f in m.files]
    mean = sum(rates) / len(rates) if rates else float("nan")
    lines = [
        f"{out}: {len(m.files)} stegos, mean change rate {mean:.4f}, "
        f"{len(m.skipped)} skipped (cannot carry the payload), {len(m.failed)} failed"
    ]
    unchanged = [f["name"] for f in m.files if f.get("warnings")]
    if unchanged:
        lines.append(
            f"  {len(unchanged)} stegos identical to their cover (no change made: "
            f"flat content), e.g. {', '.join(unchanged[:3])}"
        )
    lines += [f"  skipped {name}: {why}" for name, why in list(m.skipped.items())[:10]]
    if len(m.skipped) > 10:
        lines.append(f"  ... and {len(m.skipped) - 10} more (manifest.json: skipped)")
    lines += [f"  failed {name}: {reason}" for name, reason in m.failed.items()]
    return "\n".join(lines)
