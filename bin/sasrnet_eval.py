"""Evaluates detectors on test sets: JSON + Markdown report, mismatch tables.

  sasrnet_eval --models=full=work/demo/baseline/best.keras,\
slim=work/demo/round_1/model.keras --sets=demo=COVERS:STEGOS:test \
      --out=work/eval

Each --sets entry is name=covers_folder:stegos_folder[:split] (split default
"test"; "all" for every image). With several models and sets the report has
the paper's mismatch tables: trained models on rows, test sets on columns
(accuracy = 1 - P_E at threshold 0.5, minimum P_E, AUC), a ROC figure per
set and a CSV of every image's score.
"""

from absl import flags

from keras_sasrnet import cli, precision
from keras_sasrnet.evaluation import eval_report

FLAGS = flags.FLAGS
flags.DEFINE_list(
    "models", None, "name=path.keras entries (or plain paths), comma-separated."
)
flags.DEFINE_list("sets", None, "name=covers:stegos[:split] entries, comma-separated.")
flags.DEFINE_string(
    "out", None, "Output folder for report.md, results.json, figures and scores."
)
flags.mark_flags_as_required(["models", "sets", "out"])

flags.DEFINE_enum("precision", "float32", precision.MODES, precision.HELP)
cli.define_trust_savedmodel()


def main(argv):
    del argv
    precision.apply(FLAGS.precision)
    models = eval_report.parse_models(FLAGS.models)
    sets = eval_report.parse_sets(FLAGS.sets)
    path = eval_report.run(
        models, sets, FLAGS.out, trust_savedmodel=FLAGS.trust_savedmodel
    )
    with open(path) as f:
        print(f.read())


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
