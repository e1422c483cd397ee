"""A prune round's fine-tuning: the pruned model competes with its epochs."""

import functools
import os

import numpy as np
import pytest

from configs import demo as demo_config
from keras_sasrnet import models
from keras_sasrnet.train import pipeline, stages


def _same_weights(a, b):
    return all(
        np.array_equal(x, y)
        for x, y in zip(a.get_weights(), b.get_weights(), strict=True)
    )


@pytest.mark.slow
def test_the_pruned_model_is_kept_when_no_fine_tuned_epoch_beats_it(tmp_path):
    """Validation accuracy right after pruning is scripted: 1.0 (no epoch of a
    tiny model reaches it) keeps the pruned model as the round's model when
    ``finetune.start_competes``; without it, or when pruning scores 0.0, the
    best fine-tuned epoch is kept."""
    c = demo_config.get_config("tiny")
    c.model.arch, c.model.width_scale = "xunet", 0.5  # traces faster than SRNet
    c.prune.rounds = 1
    lines = []
    r = pipeline.open_run(c, str(tmp_path / "run"), lines.append)
    r.stage("baseline", functools.partial(stages.baseline_stage, r))
    r.stage("sparse", functools.partial(stages.sparse_stage, r))
    source = os.path.join(r.workdir, "sparse", "model.keras")
    real = r.val_accuracy

    def round_with(competes, after_prune, name):
        c.finetune.start_competes = competes
        script = [after_prune]  # the first call scores the pruned model
        r.val_accuracy = lambda m: script.pop(0) if script else real(m)
        folder = os.path.join(r.workdir, name)
        os.makedirs(folder)
        row = stages.prune_round(r, 1, source, 0.5, 0.5, folder)
        kept = models.load(os.path.join(folder, "model.keras"))
        pruned = models.load(os.path.join(folder, "pruned.keras"))
        return row, _same_weights(kept, pruned)

    row, same = round_with(True, 1.0, "competes")
    assert row["kept"] == "pruned" and same
    assert any("keeping the pruned model" in line for line in lines)
    row, same = round_with(False, 1.0, "does_not_compete")
    assert row["kept"] == "fine-tuned" and not same
    row, same = round_with(True, 0.0, "beaten")
    assert row["kept"] == "fine-tuned" and not same
