"""Exports a trained detector: SavedModel, ONNX, TFLite, with a parity report.

  sasrnet_export --model=work/demo/round_1/model.keras --out=work/export \
      --covers=COVERS --stegos=STEGOS

Writes out/savedmodel, out/model.onnx (for ONNX Runtime), out/model_<mode>.tflite
(int8 calibrated on training pairs) and out/parity.{json,md}: each format
against Keras, accuracy, size.
"""

from absl import flags

from keras_sasrnet import cli, precision
from keras_sasrnet.export import parity

FLAGS = flags.FLAGS
cli.define_model("The trained .keras detector.")
cli.define_out("Output folder.")
cli.define_pair_flags("Cover set: calibration (train) and parity (test).")
cli.define_modes("write")
flags.DEFINE_integer("calibration_pairs", 100, "Int8 calibration pairs.", lower_bound=1)
flags.DEFINE_integer("test_pairs", 0, "Test pairs for parity (0: all).", lower_bound=0)
flags.DEFINE_bool("int8_float_stem", True, parity.FLOAT_STEM_HELP)
flags.mark_flags_as_required(["model", "out", "covers", "stegos"])


def main(argv):
    del argv
    precision.apply("float32")  # parity's reference: Keras in true float32 (no TF32)
    names = "out", "covers", "stegos", "calibration_pairs", "test_pairs"
    kwargs = cli.kwargs(*names, model="model_path", int8_float_stem="float_stem")
    print(parity.parity_table(parity.export_all(modes=cli.modes(), **kwargs)))


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
