"""Turns a folder of cover images into a data set (or writes the demo covers).

  sasrnet_prepare --src=BOSSbase_1.01 --out=data/boss256 --resize=256
  sasrnet_prepare --src=BOSSbase_1.01 --out=data/boss256_q75 --resize=256 \
      --jpeg_quality=75
  sasrnet_prepare --src=tiles --out=data/tiles --split=60%,20%,20% \
      --group_by='^(.*)_\\d+$'
  sasrnet_prepare --src=demo --out=data/demo64 --crop=64
  sasrnet_prepare --src=photos --out=data/photos64 --crop=64

Resizes (MATLAB-style bicubic), optionally JPEG-compresses, splits by source
image (or by group: --group_by) with a seeded permutation, or keeps the
source's own train/val/test subfolders, and writes manifest.json. Rerunning
resumes: finished images are kept.
"""

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.data import demo, manifest, photos, prepare

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "src",
    None,
    "Folder of source images; 'demo' for the embedded scikit-image crops; "
    "'photos' for tiles of scikit-image + Debian wallpaper photographs "
    "(fetched with apt-get download, split by photo: 5 val, 10 test).",
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
    None,
    "How to split: 'paper' (4000/1000/5000 images, the default), counts "
    "'train,val,test' as whole numbers, or fractions with a decimal point or "
    "percent sign ('0.8,0.1,0.1', '80%,10%,10%'). With --group_by, counts and "
    "fractions count groups. Not allowed when --src has train/val/test "
    "subfolders (their split is kept).",
)
flags.DEFINE_string(
    "group_by",
    None,
    "Regex on source file names; its first capture group (or whole match) "
    "names the file's group (e.g. its photo: '^(.*)_\\d+$' groups moon_0.png, "
    "moon_1.png). A group's files land in one split; recorded in the manifest.",
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
flags.DEFINE_integer(
    "crop", 64, "--src=demo|photos: crop side in pixels.", lower_bound=8
)
flags.DEFINE_integer(
    "stride", 0, "--src=demo|photos: step between crops (0: --crop).", lower_bound=0
)

cli.define_overwrite("out", "images")


def main(argv):
    del argv
    if FLAGS.src == "demo":
        out = demo.demo_covers(
            FLAGS.out, FLAGS.crop, FLAGS.stride or None, overwrite=FLAGS.overwrite
        )
        m = manifest.Manifest.load(out)
    elif FLAGS.src == "photos":
        split = (
            (None, 5, 10) if FLAGS.split is None else manifest.parse_split(FLAGS.split)
        )
        if split == "paper":
            raise ValueError("--src=photos splits photos: give counts or fractions")
        m = photos.photo_covers(
            FLAGS.out,
            size=FLAGS.crop,
            stride=FLAGS.stride or None,
            split=split,
            seed=FLAGS.seed,
        )
    else:
        size = (FLAGS.resize, FLAGS.resize) if FLAGS.resize else None
        m = prepare.prepare_dataset(
            FLAGS.src,
            FLAGS.out,
            size,
            FLAGS.jpeg_quality or None,
            None if FLAGS.split is None else manifest.parse_split(FLAGS.split),
            FLAGS.seed,
            FLAGS.convert_color,
            FLAGS.skip_bad,
            FLAGS.workers or None,
            group_by=FLAGS.group_by,
            overwrite=FLAGS.overwrite,
        )
    counts = {s: len(m.names(s)) for s in manifest.SPLITS}
    print(
        f"{FLAGS.out}: {len(m.files)} {m.domain} images of {m.size[0]}x{m.size[1]}"
        f", split {counts}; skipped {len(m.failed)}"
    )
    left_out = m.info.get("left_out", 0)
    if left_out:
        print(f"  left out {left_out} source images beyond the split's counts")
    for name, reason in m.failed.items():
        print(f"  skipped {name}: {reason}")


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
