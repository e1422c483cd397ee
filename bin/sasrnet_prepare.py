"""Turns a folder of cover images into a data set (or writes the demo covers).

  sasrnet_prepare --src=BOSSbase_1.01 --out=data/boss256 --resize=256
  sasrnet_prepare --src=BOSSbase_1.01 --out=data/boss256_q75 --resize=256 \
      --jpeg_quality=75
  sasrnet_prepare --src=demo --out=data/demo64 --crop=64

Resizes (MATLAB-style bicubic), optionally JPEG-compresses, splits by source
image with a seeded permutation and writes manifest.json. Rerunning resumes:
finished images are kept.
"""

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.data import demo, manifest, prepare

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "src",
    None,
    "Folder of source images, or 'demo' for the embedded scikit-image crops.",
    required=True,
)
flags.DEFINE_string("out", None, "Output data set folder.", required=True)
flags.DEFINE_integer(
    "resize", 0, "Resize every image to this side (0: keep).", lower_bound=0
)
flags.DEFINE_integer(
    "jpeg_quality",
    0,
    "JPEG-compress at this quality factor (0: keep 8-bit PGM).",
    lower_bound=0,
    upper_bound=100,
)
flags.DEFINE_string(
    "split",
    "paper",
    "'paper' (4000/1000/5000), counts 'train,val,test' or fractions '0.8,0.1,0.1'.",
)
flags.DEFINE_integer("seed", 0, "Seed of the split permutation.")
flags.DEFINE_bool(
    "convert_color", False, "Convert colour sources to luma instead of stopping."
)
flags.DEFINE_bool(
    "skip_bad",
    False,
    "Record unreadable sources in the manifest "
    "and go on, instead of stopping at the first.",
)
flags.DEFINE_integer("workers", 0, "Processes (0: all cores).", lower_bound=0)
flags.DEFINE_integer("crop", 64, "--src=demo: crop side in pixels.", lower_bound=8)
flags.DEFINE_integer(
    "stride", 0, "--src=demo: step between crops (0: --crop).", lower_bound=0
)


def main(argv):
    del argv
    if FLAGS.src == "demo":
        out = demo.demo_covers(FLAGS.out, FLAGS.crop, FLAGS.stride or None)
        m = manifest.Manifest.load(out)
    else:
        size = (FLAGS.resize, FLAGS.resize) if FLAGS.resize else None
        m = prepare.prepare_dataset(
            FLAGS.src,
            FLAGS.out,
            size,
            FLAGS.jpeg_quality or None,
            manifest.parse_split(FLAGS.split),
            FLAGS.seed,
            FLAGS.convert_color,
            FLAGS.skip_bad,
            FLAGS.workers or None,
        )
    counts = {s: len(m.names(s)) for s in manifest.SPLITS}
    print(
        f"{FLAGS.out}: {len(m.files)} {m.domain} images of {m.size[0]}x{m.size[1]}"
        f", split {counts}; skipped {len(m.failed)}"
    )
    for name, reason in m.failed.items():
        print(f"  skipped {name}: {reason}")


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
