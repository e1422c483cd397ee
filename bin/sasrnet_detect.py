"""Scores image files or folders with a detector: CSV + a summary line.

  sasrnet_detect --model=work/demo/round_1/model.keras --inputs=photos/ \
      --out=scores.csv

Each row: file, probability of stego, verdict at --threshold. Any image size
the architecture accepts; JPEGs are fed in the domain the model was trained
on (stored in the model file). Unreadable files are listed and skipped; the
exit status is then 1.
"""

import csv
import io
import sys

from absl import flags

from keras_sasrnet import atomic, cli, precision
from keras_sasrnet.evaluation import detect

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "The detector (.keras).")
flags.DEFINE_list("inputs", None, "Image files and/or folders, comma-separated.")
flags.DEFINE_float(
    "threshold",
    0.5,
    "Call an image stego when its probability exceeds this.",
    lower_bound=0.0,
    upper_bound=1.0,
)
flags.DEFINE_string("out", "scores.csv", "CSV file to write ('-': standard output).")
flags.mark_flags_as_required(["model", "inputs"])

flags.DEFINE_enum("precision", "float32", precision.MODES, precision.HELP)
cli.define_trust_savedmodel()


def main(argv):
    del argv
    precision.apply(FLAGS.precision)
    paths = detect.expand(FLAGS.inputs)
    detector = detect.Detector(FLAGS.model, FLAGS.trust_savedmodel)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "p_stego", "verdict", "error"])
    stego = cover = 0
    failed = []
    for s in detector.score(paths):
        if s.probability is None:
            failed.append(s)
            writer.writerow([s.path, "", "error", s.error])
            print(f"failed: {s.path}: {s.error}", file=sys.stderr)
            continue
        verdict = "stego" if s.probability > FLAGS.threshold else "cover"
        stego += verdict == "stego"
        cover += verdict == "cover"
        writer.writerow([s.path, f"{s.probability:.6f}", verdict, ""])
    if FLAGS.out == "-":
        sys.stdout.write(buffer.getvalue())
    else:
        atomic.write_text(FLAGS.out, buffer.getvalue())
    print(
        f"scored {stego + cover} of {len(paths)} files: {stego} stego, {cover} cover "
        f"(threshold {FLAGS.threshold}, {detector.domain} domain); "
        f"{len(failed)} failed" + ("" if FLAGS.out == "-" else f"; wrote {FLAGS.out}")
    )
    if failed:
        sys.exit(1)


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
