"""Turns a folder of cover images into a data set (or writes the demo covers).

  sasrnet_prepare --src=BOSSbase_1.01 --out=data/boss256 --resize=256
  sasrnet_prepare --src=BOSSbase_1.01 --out=data/boss256_q75 --resize=256 \
      --jpeg_quality=75
  sasrnet_prepare --src=tiles --out=data/tiles --split=60%,20%,20% \
      --group_by='^(.*)_\\d+$'
  sasrnet_prepare --src=demo --out=data/demo64 --crop=64
  sasrnet_prepare --src=photos --out=data/photos64 --crop=64 --photo_side=1024

Resizes (MATLAB bicubic), JPEG-compresses, splits by source image or --group_by
(seeded) or keeps --src's train/val/test subfolders; writes manifest.json. Resumes.
"""

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.data import covers, summary

cli.define_source_flags()
cli.define_out("Output data set folder.", required=True)
cli.define_split_flags()
cli.define_workers()
cli.define_overwrite("out", "images")


def main(argv):
    del argv
    names = "source_flags", "out", "split_flags", "workers", "overwrite"
    m = covers.make_covers(**cli.kwargs(*names))
    print(summary.covers(m, flags.FLAGS.out))


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
