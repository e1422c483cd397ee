"""Evaluates detectors on test sets: JSON + Markdown report, mismatch tables.

  sasrnet_eval --models=full=work/demo/baseline/best.keras,\
slim=work/demo/round_1/model.keras --sets=demo=COVERS:STEGOS:test \
      --out=work/eval

Sets: name=covers:stegos[:split] (split "test" by default; "all": every image).
The report: the paper's mismatch tables (models on rows, sets on columns; 1 - P_E
at 0.5, minimum P_E, AUC), a ROC figure per set, a CSV of every image's score.
"""

from absl import flags

from keras_sasrnet import cli, precision
from keras_sasrnet.evaluation import eval_report

FLAGS = flags.FLAGS
flags.DEFINE_list("models", None, "Comma-separated name=path.keras or plain paths.")
flags.DEFINE_list("sets", None, "name=covers:stegos[:split] entries, comma-separated.")
cli.define_out("Output folder for report.md, results.json, figures and scores.")
flags.mark_flags_as_required(["models", "sets", "out"])
cli.define_precision()
cli.define_trust_savedmodel()


def main(argv):
    del argv
    precision.apply(FLAGS.precision)
    print(
        eval_report.report(FLAGS.models, FLAGS.sets, FLAGS.out, FLAGS.trust_savedmodel)
    )


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
