"""The flag groups of sasrnet_prepare: where covers come from, how split."""

from absl import flags

from keras_sasrnet.cli.common_flags import _caller, _own_group


def define_source_flags():
    """Where sasrnet_prepare's covers come from and how each one is made."""
    flags.DEFINE_string(
        "src",
        None,
        "Folder of source images; 'demo' for the embedded scikit-image crops; "
        "'photos' for tiles of scikit-image + Debian wallpaper photographs "
        "(fetched with apt-get download, split by photo: 5 val, 10 test).",
        required=True,
    )
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
    flags.DEFINE_bool(
        "convert_color", False, "Convert colour sources to luma instead of stopping."
    )
    flags.DEFINE_bool(
        "skip_bad",
        False,
        "Record unreadable sources in the manifest and go on, instead of "
        "stopping at the first. Files in an image format the readers do not "
        "take (.gif, .pbm, ...) and symbolic links leading out of --src (never "
        "followed) stop the run too, or with this flag are listed as skipped.",
    )
    flags.DEFINE_integer(
        "crop", 64, "--src=demo|photos: crop side in pixels.", lower_bound=8
    )
    flags.DEFINE_integer(
        "stride", 0, "--src=demo|photos: step between crops (0: --crop).", lower_bound=0
    )
    flags.DEFINE_integer(
        "photo_side",
        512,
        "--src=photos: downsample each wallpaper (MATLAB bicubic) to this short "
        "side before tiling (the benchmark uses 1024: more tiles per photo).",
        lower_bound=8,
    )
    _own_group(_caller(), "source_flags")


def define_split_flags():
    """How sasrnet_prepare splits images: --split, --group_by, --seed."""
    flags.DEFINE_string(
        "split",
        None,
        "How to split: 'proportional' (the default: 40/10/50 % of the images, "
        "the paper's shares, on a folder of any size; every split gets one image "
        "or more from 3 images up), 'paper' (BOSSbase's 4000/1000/5000 images), "
        "counts 'train,val,test' as whole numbers, or fractions with a decimal "
        "point or percent sign ('0.8,0.1,0.1', '80%,10%,10%'). With --group_by, "
        "counts and fractions count groups. Not allowed when --src has "
        "train/val/test subfolders (their split is kept; all three are needed).",
    )
    flags.DEFINE_string(
        "group_by",
        None,
        "Regex on source file names; its first capture group (or whole match) "
        "names the file's group (e.g. its photo: '^(.*)_\\d+$' groups moon_0.png, "
        "moon_1.png). A group's files land in one split; recorded in the manifest.",
    )
    flags.DEFINE_integer("seed", 0, "Seed of the split permutation.")
    _own_group(_caller(), "split_flags")
