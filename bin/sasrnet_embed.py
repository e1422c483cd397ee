"""Makes a stego set of a cover data set with conseal, on all cores.

  sasrnet_embed --covers=data/boss256 --out=data/boss256_hill04 --algorithm=hill
  sasrnet_embed --covers=data/boss256_q75 --out=data/boss256_q75_uerd04 --algorithm=uerd

Payloads: bpp (spatial) or bpnzAC (JPEG). Per-image seeds from (--seed, file name)
make reruns resume identically; images conseal cannot embed are listed: exit 3.
"""

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.data import embed, summary

flags.DEFINE_string("covers", None, "Cover data set folder (with manifest.json).")
cli.define_out("Output stego set folder.")
flags.DEFINE_enum("algorithm", None, embed.ALGORITHMS, "Embedding algorithm.")
flags.mark_flags_as_required(["covers", "out", "algorithm"])
flags.DEFINE_float("payload", 0.4, "Payload: bpp (spatial) or bpnzAC (JPEG).")
cli.define_seed("Base seed of the per-image seeds.")
flags.DEFINE_enum("split", "all", ["all", "train", "val", "test"], "Split to embed.")
cli.define_workers()
cli.define_overwrite("out", "stegos")


def main(argv):
    del argv
    names = "covers", "out", "algorithm", "payload", "seed", "workers", "split"
    m = embed.embed_dataset(**cli.kwargs(*names, "overwrite"))
    print(summary.stegos(m, flags.FLAGS.out))
    return 3 if m.failed else None


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
