"""Runs the whole slimming schedule of a config (resumable).

  sasrnet_slim --config=configs/demo.py --workdir=work/demo
  sasrnet_slim --config=configs/srnet_uerd.py:qf=75,payload=0.4 \
      --config.data.covers=data/boss256_q75 \
      --config.data.stegos=data/boss256_q75_uerd04 --workdir=work/uerd

Baseline training (or --config.baseline.model=trained.keras), sparsity
training (with --config.sparsity.adaptive=True its strength is chosen from
validation accuracy), then rounds of prune -> fine-tune up to
--config.prune.target or until validation accuracy falls more than
--config.tolerance (1 pp) below the baseline; ends with the paper's Table 5
for this run. Rerunning the same
command after an interruption resumes at the first unfinished stage.
"""

from absl import flags

from keras_sasrnet import cli
from keras_sasrnet.evaluation import run_report
from keras_sasrnet.train import pipeline

FLAGS = flags.FLAGS
cli.define_config()
cli.define_workdir("Output folder (created; resumed if it exists).")
cli.define_overwrite("workdir", "a run")


def main(argv):
    del argv
    rows = pipeline.run_slimming(FLAGS.config, FLAGS.workdir, overwrite=FLAGS.overwrite)
    print(f"\nTable 5 for this run ({FLAGS.workdir}/table5.md):\n")
    print(run_report.table5(rows))


def entry():
    cli.start(main)


if __name__ == "__main__":
    entry()
