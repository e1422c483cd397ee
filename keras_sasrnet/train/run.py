"""One run of the schedule: its data, strategy, stages and their training.

``Run`` holds what the stages of one run share (config, data, strategy);
``Run.stage`` runs a stage once (done.json) and keeps its time across
resumes (``Stopwatch``); ``train_stage`` trains a model for a stage.
"""

import hashlib
import json
import os
import shutil

import keras
import numpy as np

from keras_sasrnet import atomic, models, precision, profile
from keras_sasrnet.data import demo, pairs
from keras_sasrnet.data.manifest import Manifest
from keras_sasrnet.evaluation import metrics
from keras_sasrnet.evaluation.evaluate import evaluate, predict_pairs
from keras_sasrnet.train import loop
from keras_sasrnet.train.checkpoint import BEST
from keras_sasrnet.train.config import validate
from keras_sasrnet.train.distribute import make_strategy
from keras_sasrnet.train.stopwatch import Stopwatch

DONE = "done.json"
SECONDS = "seconds.json"  # a stage's running time, kept across resumes


def stream_seed(seed, stream, offset):
    """The 31-bit seed of epoch ``offset`` of stage ``stream`` of a run."""
    digest = hashlib.sha256(f"{seed}:{stream}:{offset}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def _stream(r, folder, sub):
    return os.path.relpath(os.path.join(folder, sub), r.workdir).replace(os.sep, "/")


def _quiet(*_):
    """Run reports unpaired covers once itself (``Run._check_pairs``)."""


class Run:
    """Data, strategy and helpers shared by the stages of one run."""

    def __init__(self, config, workdir, log=print, record=True):
        """Checks the config and the data (``record=False``: writes nothing
        yet; call ``record_unpaired`` once the work directory is claimed)."""
        self.c = validate(config)
        self.workdir, self.log = workdir, log
        self.precision = config.get("precision", "float32")
        precision.apply(self.precision)
        # Same seed, same run: initial weights, dropout and Keras' own
        # randomness follow config.seed (data order follows it already).
        keras.utils.set_random_seed(config.seed)
        self.strategy = make_strategy(
            config.distribute.strategy, config.distribute.logical_cpus
        )
        self.covers, self.stegos = demo.resolve(config, log)
        self.unpaired = self._check_pairs(config, log)
        if record:
            self.record_unpaired()
        size = Manifest.load(self.covers).size
        self.size = tuple(size)
        self.batch = config.data.pairs_per_replica * self.strategy.num_replicas_in_sync
        n_train = len(
            pairs.match_pairs(self.covers, self.stegos, "train", log=_quiet)[0]
        )
        self.steps_per_epoch = max(
            1, min(config.train.steps_per_epoch, n_train // self.batch)
        )
        kwargs = dict(
            pairs_per_batch=self.batch,
            training=False,
            in_memory=config.data.in_memory,
            log=_quiet,
        )
        self.val = pairs.pair_dataset(self.covers, self.stegos, "val", **kwargs)
        self.test = pairs.pair_dataset(self.covers, self.stegos, "test", **kwargs)

    def data_fn(self, stream):
        """``make(offset)`` -> the training pairs of one stage's epoch.

        ``stream`` names the stage (its folder): every stage of a run draws
        its own pair order from (config seed, stream, offset).
        """

        def make(offset):
            return pairs.pair_dataset(
                self.covers,
                self.stegos,
                "train",
                self.batch,
                seed=stream_seed(self.c.seed, stream, offset),
                in_memory=self.c.data.in_memory,
                log=_quiet,
            )

        return make

    def _check_pairs(self, config, log):
        """Covers without a stego: stop (strict) or leave them out, one line
        per split; returns {split: names} (``record_unpaired`` keeps it)."""
        missing = pairs.unpaired(self.covers, self.stegos)
        if not missing:
            return missing
        lines = pairs.unpaired_message(self.covers, self.stegos, missing)
        if config.data.strict_pairs:
            raise ValueError(
                "covers without a stego (data.strict_pairs): " + "; ".join(lines)
            )
        for line in lines:
            log(line + " - left out")
        return missing

    def record_unpaired(self):
        """The covers left out, in ``workdir/unpaired.json`` (if any)."""
        if self.unpaired:
            os.makedirs(self.workdir, exist_ok=True)
            atomic.write_json(
                os.path.join(self.workdir, "unpaired.json"), self.unpaired
            )

    def recipe(self, steps, lr, decay_step, optimizer="adamax", momentum=0.9):
        return loop.Recipe(
            steps=steps,
            steps_per_epoch=self.steps_per_epoch,
            lr=lr,
            decay_step=decay_step or None,
            decay=self.c.train.decay,
            optimizer=optimizer,
            momentum=momentum,
            eager=steps <= loop.EAGER_STEPS,
        )

    def build(self, sparsity=None):
        # c.model holds the builder's arguments: a field added there is one.
        model = models.build(
            **self.c.model.to_dict(), input_shape=(*self.size, 1), sparsity=sparsity
        )
        if self.precision.startswith("mixed_"):
            model = precision.float32_stem(model)
        return model

    def metadata(self):
        """What a detector needs to know about its input, stored in its file."""
        cover_set = Manifest.load(self.covers)
        stego_set = Manifest.load(self.stegos)
        return {
            "domain": cover_set.domain,
            "input_size": list(self.size),
            "arch": self.c.model.arch,
            "covers": os.path.abspath(self.covers),
            "algorithm": stego_set.info.get("algorithm"),
            "payload": stego_set.info.get("payload"),
            "jpeg_quality": cover_set.info.get("jpeg_quality"),
        }

    def val_accuracy(self, model):
        return evaluate(model, self.val).accuracy

    def measure(self, model, folder, timing=True):
        """Validation and test figures, params, MACs, CPU latency of a model.

        The test scores go to folder/test_scores.npz for the ROC figure.
        ``timing=False`` skips the latency (None), which costs a trace.
        """
        labels, scores = predict_pairs(model, self.test)
        with atomic.replacing(os.path.join(folder, "test_scores.npz"), ".npz") as tmp:
            np.savez(tmp, labels=labels, scores=scores)
        rates = metrics.summary(labels, scores)
        val_accuracy = self.val_accuracy(model)
        trainable, _ = profile.count_params(model)
        side = self.c.report.latency_size
        at = models.io.reinput(model, (side, side))
        return {
            "val_accuracy": val_accuracy,
            "test_accuracy": rates["accuracy"],
            "test_pe": rates["p_e"],
            "p_fa": rates["p_fa"],
            "p_fn": rates["p_fn"],
            "test_min_pe": rates["min_p_e"],
            "test_auc": rates["auc"],
            "params": trainable,
            "macs": sum(profile.count_macs(at, (side, side)).values()),
            "latency_ms": profile.latency(
                at, (side, side), repeats=self.c.report.latency_repeats
            )
            if timing
            else None,
            "latency_size": side,
        }

    def stage(self, name, work):
        """Runs ``work(folder)`` -> metrics unless the stage is done.

        The metrics, with the stage's wall-clock ``seconds``, go to
        folder/done.json; a later call returns them from there.
        """
        folder = os.path.join(self.workdir, name)
        done = os.path.join(folder, DONE)
        if os.path.exists(done):
            with open(done) as f:
                metrics = json.load(f)
            self.log(f"{name}: done already")
            return metrics
        os.makedirs(folder, exist_ok=True)
        self.log(f"== {name}")
        with Stopwatch(os.path.join(folder, SECONDS)) as watch:
            metrics = work(folder)
        metrics["seconds"] = round(watch.total(), 1)
        atomic.write_json(os.path.join(folder, "config.json"), self.c.to_dict())
        atomic.write_json(done, metrics)
        return metrics

    def load(self, path, compile=False):
        with self.strategy.scope():
            return models.load(path, compile=compile)


def train_stage(
    r,
    build,
    steps,
    lr,
    decay_step,
    folder,
    out,
    sub="train",
    keep="best",
    **optimizer,
):
    """Trains ``build()`` in folder/sub and keeps a model as folder/out.

    ``keep="best"`` keeps the epoch best on validation; ``"last"`` the last
    epoch (sparsity training: the best epoch is often an early, less sparse
    one). With ``steps == 0`` the built model is kept as it is.
    ``optimizer``: ``optimizer`` and ``momentum`` of the recipe. The training
    pairs are drawn in an order of this stage's own, named by ``folder``
    (relative to the run's work directory). Returns the kept model, loaded
    in the run's strategy scope.
    """
    if keep not in ("best", "last"):
        raise ValueError(f"keep must be 'best' or 'last'; received {keep!r}")
    path = os.path.join(folder, out)
    if steps:
        train_dir = os.path.join(folder, sub)
        recipe = r.recipe(steps, lr, decay_step, **optimizer)
        _, state = loop.train(
            build,
            r.data_fn(_stream(r, folder, sub)),
            r.val,
            recipe,
            train_dir,
            r.strategy,
            r.log,
        )
        last = state.get("checkpoint") or f"epoch_{state['epoch']:04d}.keras"
        kept = BEST if keep == "best" else last
        with atomic.replacing(path, ".keras") as tmp:
            shutil.copyfile(os.path.join(train_dir, kept), tmp)
    else:
        with r.strategy.scope():
            loop.save(build(), path)
    models.io.write_metadata(path, r.metadata())
    return r.load(path)
