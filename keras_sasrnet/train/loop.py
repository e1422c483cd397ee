"""The training loop: the reference recipe, checkpoints, resume, NaN stop.

Recipe (SRNet reference code, SASRNet paper): Adamax, lr 1e-3 then 1e-4 from
a given iteration, batches of cover/stego pairs, L2 weight decay and BN
momentum set in the model. Every epoch ends with a validation pass, a
checkpoint of the model *with its optimizer state*, and ``state.json``
(written last, atomically: it is the commit point). A rerun of the same
command after a kill loads the last committed checkpoint and continues at
the next epoch: nothing lost, nothing done twice.
"""

import dataclasses
import math
import os
import sys

import keras
import numpy as np
import tensorflow as tf

from keras_sasrnet import atomic
from keras_sasrnet.models import io as model_io
from keras_sasrnet.slimming import proximal
from keras_sasrnet.train.checkpoint import (  # noqa: F401
    STATE,
    Checkpoint,
    load_state,
    settle_best,
)
from keras_sasrnet.train.distribute import is_chief

# Runs of at most this many iterations run eagerly (``Run.recipe``): tracing
# SRNet's train and test steps costs more than that many untraced steps of
# the tiny models such runs are for (tests, smoke runs): 2 steps of SRNet at
# widths / 8 on 32x32 fitted in 4-6 s eagerly against 22-24 s traced (2 busy
# cores); a real run's thousands of steps are traced.
EAGER_STEPS = 8


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How long and how fast to train.

    Attributes:
        steps: total iterations (batches).
        steps_per_epoch: iterations between validation and checkpoint.
        lr: initial learning rate.
        decay_step: iteration from which lr becomes ``lr * decay`` (None:
            constant lr).
        decay: the factor.
        optimizer: "adamax" (the reference recipe) or "sgd"; both apply the
            proximal step of proximal gamma penalties (``slimming.proximal``).
        momentum: SGD momentum.
        eager: run the training and validation steps eagerly, untraced
            (Keras' ``run_eagerly``): slower per step, but no tracing, which
            costs more than a few steps of a tiny model (the tests' runs).
            Not under MirroredStrategy.
    """

    steps: int
    steps_per_epoch: int
    lr: float = 1e-3
    decay_step: int | None = None
    decay: float = 0.1
    optimizer: str = "adamax"
    momentum: float = 0.9
    eager: bool = False

    def __post_init__(self):
        if self.steps < 1 or self.steps_per_epoch < 1:
            raise ValueError(
                f"steps and steps_per_epoch must be >= 1; received {self.steps}, "
                f"{self.steps_per_epoch}"
            )
        if not self.lr > 0:
            raise ValueError(f"learning rate must be > 0; received {self.lr}")
        if self.optimizer not in proximal.OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {proximal.OPTIMIZERS}; received "
                f"{self.optimizer!r}"
            )

    @property
    def epochs(self):
        return math.ceil(self.steps / self.steps_per_epoch)

    def epoch_steps(self, epoch):
        """Iterations of 0-based ``epoch``: steps_per_epoch, but the last
        epoch runs what is left, so that the total is exactly ``steps``."""
        return min(self.steps_per_epoch, self.steps - epoch * self.steps_per_epoch)

    def schedule(self):
        if not self.decay_step:
            return self.lr
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [self.decay_step], [self.lr, self.lr * self.decay]
        )


def compile_model(model, recipe):
    """Adamax (or the recipe's optimizer) + cross-entropy on logits + accuracy."""
    model.compile(
        optimizer=proximal.make(recipe.optimizer, recipe.schedule(), recipe.momentum),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


save = model_io.save  # where the stages and benchmarks look for it


def train(model_fn, data_fn, val_data, recipe, workdir, strategy=None, log=print):
    """Trains (or resumes training) a model; returns (model, state).

    Args:
        model_fn: builds the uncompiled model (called inside the strategy
            scope, only when there is no checkpoint to resume from).
        data_fn: ``data_fn(seed_offset)`` -> an infinite training dataset;
            the offset is the number of epochs already done, so a resumed
            run draws a fresh, reproducible stream.
        val_data: a finite validation dataset (or None).
        recipe: a ``Recipe``.
        workdir: checkpoints, ``state.json``, ``history.csv``, ``tb/``.
        strategy: a ``tf.distribute.Strategy`` (default: the current one).
        log: where the per-epoch line goes.

    Returns:
        The model after the last epoch (``best.keras`` holds the best on
        validation) and the state dict (history, best epoch, ...).

    Raises:
        FloatingPointError: the loss became NaN or infinite.
    """
    strategy = strategy or tf.distribute.get_strategy()
    chief = is_chief(strategy)
    os.makedirs(workdir, exist_ok=True)
    atomic.remove_stale(workdir)
    state = load_state(workdir)
    with strategy.scope():
        if state and state.get("checkpoint"):
            model = model_io.load(
                os.path.join(workdir, state["checkpoint"]), compile=True
            )
            log(f"resuming {workdir} after epoch {state['epoch']}/{recipe.epochs}")
            if chief:
                settle_best(workdir, state)
        else:
            state = {
                "epoch": 0,
                "epochs": recipe.epochs,
                "history": [],
                "best_val_accuracy": -1.0,
                "best_epoch": 0,
                "recipe": dataclasses.asdict(recipe),
            }
            model = compile_model(model_fn(), recipe)
    # a loaded checkpoint does not keep it; under MirroredStrategy Keras'
    # eager steps failed (a collective's shape mismatch in BatchNorm)
    # (the multi-worker loop traces its own step, eager or not)
    model.run_eagerly = recipe.eager and not isinstance(
        strategy,
        (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy),
    )
    state["epochs"] = recipe.epochs
    if state["epoch"] >= recipe.epochs:
        log(f"{workdir}: already trained ({state['epoch']} epochs)")
        return model, state
    callbacks = [
        Checkpoint(workdir, state, chief, log),
        keras.callbacks.CSVLogger(os.path.join(workdir, "history.csv"), append=True),
    ]
    if chief:
        callbacks.append(keras.callbacks.TensorBoard(os.path.join(workdir, "tb")))
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        # Keras 3's fit cannot run under MultiWorkerMirroredStrategy
        # (keras-team/keras#20585): a custom loop with strategy.run can.
        _fit_custom(
            model,
            strategy,
            data_fn(state["epoch"]),
            recipe,
            state["epoch"],
            val_data,
            callbacks[0],
        )
    else:
        # Whole epochs first, then (one more fit) a shorter last epoch, as a
        # run resumed before it would: fit has one steps_per_epoch.
        last = recipe.epochs - 1
        short = recipe.epoch_steps(last) < recipe.steps_per_epoch
        for end, steps in (
            (last if short else recipe.epochs, recipe.steps_per_epoch),
            (recipe.epochs, recipe.epoch_steps(last)),
        ):
            if state["epoch"] >= end or model.stop_training:
                continue
            model.fit(
                data_fn(state["epoch"]),
                epochs=end,
                initial_epoch=state["epoch"],
                steps_per_epoch=steps,
                validation_data=val_data,
                callbacks=callbacks,
                shuffle=False,  # the pair pipeline shuffles, pairs intact
                verbose=1 if sys.stdout.isatty() else 0,
            )
    if "stopped" in state:
        raise FloatingPointError(f"{workdir}: training stopped, {state['stopped']}")
    return model, state


def _fit_custom(model, strategy, dataset, recipe, initial_epoch, val_data, checkpoint):
    """Epochs of ``strategy.run`` steps, reporting like ``fit`` to the callback."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction=None
    )
    batches = iter(strategy.experimental_distribute_dataset(dataset))

    def replica_step(batch):
        x, y = batch
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = tf.nn.compute_average_loss(loss_fn(y, logits))
            if model.losses:
                loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        grads = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(
            zip(grads, model.trainable_variables, strict=True)
        )
        hits = tf.reduce_sum(tf.cast(tf.argmax(logits, -1, tf.int32) == y, tf.float32))
        return loss, hits, tf.cast(tf.size(y), tf.float32)

    @tf.function
    def step(iterator):
        results = strategy.run(replica_step, args=(next(iterator),))
        return [strategy.reduce("SUM", r, axis=None) for r in results]

    checkpoint.set_model(model)
    for epoch in range(initial_epoch, recipe.epochs):
        checkpoint.on_epoch_begin(epoch)
        losses, hits, seen = [], 0.0, 0.0
        for _ in range(recipe.epoch_steps(epoch)):
            loss, h, n = step(batches)
            losses.append(float(loss))
            hits, seen = hits + float(h), seen + float(n)
        logs = {"loss": float(np.mean(losses)), "accuracy": hits / seen}
        if val_data is not None:
            logs.update(_local_evaluate(model, val_data))
        checkpoint.on_epoch_end(epoch, logs)
        if model.stop_training:
            break


def _local_evaluate(model, dataset):
    """val_loss and val_accuracy computed on this worker alone."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    infer = tf.function(lambda x: model(x, training=False))
    total, hits, count = 0.0, 0.0, 0
    for x, y in dataset:
        logits = infer(x)
        n = int(y.shape[0])
        total += float(loss_fn(y, logits)) * n
        hits += float(np.sum(np.argmax(logits, -1) == y.numpy()))
        count += n
    return {"val_loss": total / count, "val_accuracy": hits / count}


def learning_rate(model):
    """The optimizer's current learning rate (after any schedule)."""
    opt = model.optimizer
    lr = opt.learning_rate
    return float(np.asarray(lr(opt.iterations) if callable(lr) else lr))
