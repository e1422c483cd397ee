import numpy as np
import pytest
import tensorflow as tf

from keras_sasrnet import models
from keras_sasrnet.slimming import ProximalSGD
from keras_sasrnet.train import loop


def data_fn(offset, nan=False):
    rng = np.random.default_rng(offset)
    x = rng.uniform(0, 255, (64, 32, 32, 1)).astype("float32")
    if nan:
        x[:] = np.nan
    y = np.tile([0, 1], 32).astype("int32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8).repeat()


def val_data():
    return data_fn(99).take(2)


def build():
    return models.xunet((32, 32, 1), sparsity=1e-4)


def test_resume_continues_at_the_next_epoch_with_optimizer_state(tmp_path):
    lines = []
    first, state = loop.train(
        build, data_fn, val_data(), loop.Recipe(2, 2), str(tmp_path), log=lines.append
    )
    assert state["epoch"] == 1 and int(first.optimizer.iterations) == 2
    assert not first.run_eagerly  # traced: the recipe is not eager
    saved = {v.path: v.numpy() for v in first.optimizer.variables}
    # The checkpoint holds the optimizer state exactly.
    restored = models.load(str(tmp_path / state["checkpoint"]), compile=True)
    for v in restored.optimizer.variables:
        np.testing.assert_array_equal(v.numpy(), saved[v.path])
    # The same command with a longer recipe resumes after epoch 1.
    model, state = loop.train(
        build, data_fn, val_data(), loop.Recipe(6, 2), str(tmp_path), log=lines.append
    )
    assert "resuming" in lines[1] and "after epoch 1/3" in lines[1]
    assert [h["epoch"] for h in state["history"]] == [1, 2, 3]  # none twice
    assert int(model.optimizer.iterations) == 6
    assert sorted(p.name for p in tmp_path.glob("epoch_*.keras")) == [
        "epoch_0003.keras"
    ]
    # Already done: nothing trains again.
    again, state = loop.train(
        build, data_fn, val_data(), loop.Recipe(6, 2), str(tmp_path), log=lines.append
    )
    assert "already trained" in lines[-1] and int(again.optimizer.iterations) == 6
    assert (tmp_path / "best.keras").exists() and (tmp_path / "history.csv").exists()


def test_best_is_the_committed_best_epoch_even_after_a_kill_between(tmp_path):
    """best.keras is copied from the best epoch's checkpoint after the state
    commits; a kill between the two (here: the copy removed) is made good by
    the next invocation, before anything reads it."""
    _, state = loop.train(
        build, data_fn, val_data(), loop.Recipe(2, 2), str(tmp_path), log=print
    )
    assert state["best_epoch"] == state["epoch"] == 1
    checkpoint = (tmp_path / state["checkpoint"]).read_bytes()
    assert (tmp_path / "best.keras").read_bytes() == checkpoint
    (tmp_path / "best.keras").unlink()
    loop.train(build, data_fn, val_data(), loop.Recipe(2, 2), str(tmp_path), log=print)
    assert (tmp_path / "best.keras").read_bytes() == checkpoint


def test_an_eager_recipe_trains_untraced_and_a_resume_keeps_it(tmp_path):
    """Recipe.eager (a few steps: ``Run.recipe`` below loop.EAGER_STEPS)
    sets Keras' run_eagerly, also after a resume from a checkpoint, which
    does not store it (what eager saves is measured by the suite's time)."""
    assert loop.EAGER_STEPS >= 2
    model, _ = loop.train(
        build, data_fn, val_data(), loop.Recipe(2, 2, eager=True), str(tmp_path)
    )
    assert model.run_eagerly
    model, state = loop.train(
        build, data_fn, val_data(), loop.Recipe(4, 2, eager=True), str(tmp_path)
    )
    assert model.run_eagerly and state["epoch"] == 2
    assert int(model.optimizer.iterations) == 4


def test_steps_are_exact_when_they_are_not_whole_epochs(tmp_path):
    # 5 steps at 2 per epoch: epochs of 2, 2 and 1 (not 6 iterations)
    assert [loop.Recipe(5, 2).epoch_steps(k) for k in range(3)] == [2, 2, 1]
    model, state = loop.train(
        build, data_fn, val_data(), loop.Recipe(5, 2), str(tmp_path), log=print
    )
    assert int(model.optimizer.iterations) == 5
    assert [h["epoch"] for h in state["history"]] == [1, 2, 3]
    assert len((tmp_path / "history.csv").read_text().strip().splitlines()) == 1 + 3


def test_lr_drops_at_the_decay_step(tmp_path):
    model, _ = loop.train(
        build,
        data_fn,
        None,
        loop.Recipe(4, 2, 1e-3, decay_step=3),
        str(tmp_path),
        log=lambda _: None,
    )
    assert loop.learning_rate(model) == pytest.approx(1e-4)


def test_nan_stops_training(tmp_path):
    with pytest.raises(
        FloatingPointError, match="non-finite loss or metric at epoch 1"
    ):
        loop.train(
            build,
            lambda o: data_fn(o, nan=True),
            None,
            loop.Recipe(4, 2),
            str(tmp_path),
            log=lambda _: None,
        )
    assert not list(tmp_path.glob("epoch_*.keras"))
    assert not (tmp_path / "state.json").exists()


def test_recipe_errors():
    with pytest.raises(ValueError, match="steps and steps_per_epoch must be >= 1"):
        loop.Recipe(0, 2)
    with pytest.raises(ValueError, match="learning rate must be > 0"):
        loop.Recipe(4, 2, lr=0)
    assert loop.Recipe(5, 2).epochs == 3


def test_recipe_picks_the_optimizer():
    recipe = loop.Recipe(steps=10, steps_per_epoch=5, optimizer="sgd", momentum=0.5)
    model = loop.compile_model(models.xunet((16, 16, 1)), recipe)
    assert isinstance(model.optimizer, ProximalSGD)
    assert model.optimizer.momentum == 0.5
    with pytest.raises(ValueError, match="optimizer must be one of"):
        loop.Recipe(steps=10, steps_per_epoch=5, optimizer="adam")
