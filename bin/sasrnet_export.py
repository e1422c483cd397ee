"""Exports a trained detector: SavedModel + TFLite, with a parity report.

  sasrnet_export --model=work/demo/round_1/model.keras --out=work/export \
      --covers=COVERS --stegos=STEGOS

Writes out/savedmodel (dynamic H and W), out/model_{float32,float16,dynamic,
int8}.tflite (int8 calibrated on training covers and stegos), each with the
model's metadata, and out/parity.{json,md}: logit differences against Keras,
decision agreement, test accuracy, file size and weight bytes per format.
int8 keeps the stem (layers up to the first BatchNormalization) in float
unless --noint8_float_stem.
"""

from absl import flags

from keras_sasrnet import cli, precision
from keras_sasrnet.export import convert, parity

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "The trained .keras detector.")
flags.DEFINE_string("out", None, "Output folder.")
flags.DEFINE_string("covers", None, "Cover set: calibration (train) and parity (test).")
flags.DEFINE_string("stegos", None, "Its stego set.")
flags.DEFINE_list("modes", list(convert.MODES), "TFLite precisions to write.")
flags.DEFINE_integer(
    "calibration_pairs", 100, "Pairs for int8 calibration.", lower_bound=1
)
flags.DEFINE_integer(
    "test_pairs",
    0,
    "Test pairs for the parity report (0: the whole test split).",
    lower_bound=0,
)
flags.DEFINE_bool(
    "int8_float_stem",
    True,
    "Keep the layers up to the first BatchNormalization in float in the int8 "
    "model (the stego signal there is +-1 on +-128 of content; fully integer "
    "XuNet falls to chance). --noint8_float_stem: fully integer, for "
    "integer-only accelerators.",
)
flags.mark_flags_as_required(["model", "out", "covers", "stegos"])


def main(argv):
    del argv
    # The parity checks run the Keras model: in true float32, as training
    # did (TF32 would blur the reference the TFLite files are held to).
    precision.apply("float32")
    for mode in FLAGS.modes:
        if mode not in convert.MODES:
            raise ValueError(f"--modes: {mode!r} is not one of {convert.MODES}")
    rows = parity.export_all(
        FLAGS.model,
        FLAGS.out,
        FLAGS.covers,
        FLAGS.stegos,
        FLAGS.modes,
        FLAGS.calibration_pairs,
        FLAGS.test_pairs,
        float_stem=FLAGS.int8_float_stem,
    )
    print(parity.parity_table(rows))


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
