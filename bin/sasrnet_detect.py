"""Scores image files or folders with a detector: CSV + a summary line.

  sasrnet_detect --model=work/demo/round_1/model.keras --inputs=photos/ \
      --out=scores.csv

Rows: file, p_stego, verdict at --threshold; any size the architecture accepts,
JPEGs in the model's training domain. Unreadable files: listed, skipped, exit 1.
"""

from absl import flags

from keras_sasrnet import cli, precision
from keras_sasrnet.evaluation import detect

FLAGS = flags.FLAGS
cli.define_model("The detector (.keras, a SavedModel folder, .tflite or .onnx).")
flags.DEFINE_list("inputs", None, "Image files and/or folders, comma-separated.")
flags.DEFINE_float(
    "threshold", 0.5, "Stego above this probability.", lower_bound=0.0, upper_bound=1.0
)
cli.define_out("CSV file to write ('-': standard output).", default="scores.csv")
flags.mark_flags_as_required(["model", "inputs"])
cli.define_precision()
cli.define_trust_savedmodel()


def main(argv):
    del argv
    precision.apply(FLAGS.precision)
    names = "model", "inputs", "threshold", "out", "trust_savedmodel"
    return 1 if detect.score_files(**cli.kwargs(*names)) else None


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
