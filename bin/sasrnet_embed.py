"""Makes a stego set of a cover data set with conseal, on all cores.

  sasrnet_embed --covers=data/boss256 --out=data/boss256_hill04 \
      --algorithm=hill --payload=0.4
  sasrnet_embed --covers=data/boss256_q75 --out=data/boss256_q75_uerd04 \
      --algorithm=uerd --payload=0.4

Payloads are bits per pixel (spatial) or per non-zero AC DCT coefficient
(JPEG). Each image gets its own seed from (--seed, file name), so a rerun
after an interruption skips finished files and gives identical stegos.
Images conseal cannot embed are listed and the run goes on; the exit status
is then 3.
"""

import sys

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.data import embed

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "covers", None, "Cover data set folder (with manifest.json).", required=True
)
flags.DEFINE_string("out", None, "Output stego set folder.", required=True)
flags.DEFINE_enum(
    "algorithm", None, embed.ALGORITHMS, "Embedding algorithm.", required=True
)
flags.DEFINE_float("payload", 0.4, "Payload: bpp (spatial) or bpnzAC (JPEG).")
flags.DEFINE_integer("seed", 0, "Base seed of the per-image seeds.")
flags.DEFINE_enum(
    "split", "all", ["all", "train", "val", "test"], "Embed only this split."
)
flags.DEFINE_integer("workers", 0, "Processes (0: all cores).", lower_bound=0)

cli.define_overwrite("out", "stegos")


def main(argv):
    del argv
    m = embed.embed_dataset(
        FLAGS.covers,
        FLAGS.out,
        FLAGS.algorithm,
        FLAGS.payload,
        FLAGS.seed,
        FLAGS.workers or None,
        None if FLAGS.split == "all" else FLAGS.split,
        overwrite=FLAGS.overwrite,
    )
    rates = [f["change_rate"] for f in m.files]
    mean = sum(rates) / len(rates) if rates else float("nan")
    print(
        f"{FLAGS.out}: {len(m.files)} stegos, mean change rate {mean:.4f}, "
        f"{len(m.skipped)} skipped (cannot carry the payload), {len(m.failed)} failed"
    )
    unchanged = [f["name"] for f in m.files if f.get("warnings")]
    if unchanged:
        print(
            f"  {len(unchanged)} stegos identical to their cover (no change made: "
            f"flat content), e.g. {', '.join(unchanged[:3])}"
        )
    for name, reason in list(m.skipped.items())[:10]:
        print(f"  skipped {name}: {reason}")
    if len(m.skipped) > 10:
        print(f"  ... and {len(m.skipped) - 10} more (manifest.json: skipped)")
    for name, reason in m.failed.items():
        print(f"  failed {name}: {reason}")
    if m.failed:
        sys.exit(3)


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
