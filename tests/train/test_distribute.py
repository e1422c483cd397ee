"""Distribution on one CPU: logical devices and worker processes on loopback."""

import json
import os
import pathlib
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).parents[2]

MIRRORED = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])  # the repository: configs/
    from configs import demo as demo_config
    from keras_sasrnet.train import pipeline, run

    # The strategy a config names, as every run makes it (before TF starts).
    c = demo_config.get_config("tiny")
    c.distribute.strategy, c.distribute.logical_cpus = "mirrored", 2
    c.data.demo.dir = sys.argv[2]
    c.model.arch, c.model.width_scale = "xunet", 0.5
    # Synchronized BN as below: a model without it trained first under the
    # same strategy put the replicas' collectives out of step (TF 2.21,
    # logical CPUs; a whole run with either setting is fine).
    c.model.sync_bn = True
    r = run.Run(c, sys.argv[3], lambda *_: None)
    mirrored = r.strategy
    print("RUN", type(mirrored).__name__, mirrored.num_replicas_in_sync,
          r.batch, c.data.pairs_per_replica)
    metrics = pipeline.train_model(c, sys.argv[3], log=lambda *_: None)
    print("TRAINED", json.dumps(metrics["test_accuracy"]))

    import numpy as np
    import tensorflow as tf
    from keras_sasrnet import models
    from keras_sasrnet.train.loop import Recipe, compile_model

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (16, 32, 32, 1)).astype("float32")
    y = np.tile([0, 1], 8).astype("int32")
    ds = tf.data.Dataset.from_tensors((x, y))

    def step(strategy, weights):
        with strategy.scope():
            model = models.build("xunet", 0.5, input_shape=(32, 32, 1),
                                 sync_bn=True, sparsity=1e-4)
            model.set_weights(weights)
            compile_model(model, Recipe(1, 1))
        loss = model.fit(ds, epochs=1, verbose=0).history["loss"][0]
        return model, loss

    initial = models.build("xunet", 0.5, input_shape=(32, 32, 1),
                           sync_bn=True).get_weights()
    two, loss_two = step(mirrored, initial)
    one, loss_one = step(tf.distribute.get_strategy(), initial)

    # The proximal gamma step runs inside the optimizer's (replica) update.
    # Checked with proximal SGD, whose threshold (lr * alpha) does not depend
    # on the gradient: Adamax's (lr * alpha / |g|) is ill-conditioned where g
    # is near zero, and the all-reduce's summation order alone moved gammas
    # by up to 2.8e-3 there.
    from keras_sasrnet import slimming

    spread = np.random.default_rng(1)

    def prox_step(strategy):
        with strategy.scope():
            model = models.build("xunet", 0.5, input_shape=(32, 32, 1),
                                 sync_bn=True)
            model.set_weights(initial)
            model = slimming.with_sparsity(model, 100.0, method="prox_sgd")
            for layer in model.layers:  # thresholds 0.1: about half go to 0
                if hasattr(layer, "gamma"):
                    layer.gamma.assign(spread.uniform(0, 0.2, layer.gamma.shape))
            compile_model(model, Recipe(1, 1, optimizer="sgd"))
        model.fit(ds, epochs=1, verbose=0)
        return np.concatenate(
            [l.gamma.numpy() for l in model.layers if hasattr(l, "gamma")])

    g_one = prox_step(tf.distribute.get_strategy())
    spread = np.random.default_rng(1)
    g_two = prox_step(mirrored)
    print(float(np.abs(g_one - g_two).max()), int((g_one == 0).sum()),
          int((g_two == 0).sum()), g_one.size)
    print(mirrored.num_replicas_in_sync, loss_one, loss_two)
""")


@pytest.mark.slow
def test_mirrored_on_two_logical_cpus_matches_one_device(tmp_path):
    work = tmp_path / "work"
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED, str(ROOT), str(tmp_path / "demo"), str(work)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    # distribute.strategy="mirrored" in a config: 2 replicas, a batch of 2 x
    # pairs_per_replica pairs, and a run that trains under it and reports.
    (made,) = [line.split()[1:] for line in lines if line.startswith("RUN ")]
    assert made == ["MirroredStrategy", "2", str(2 * 4), "4"]
    (trained,) = [line.split()[1] for line in lines if line.startswith("TRAINED ")]
    done = json.loads((work / "baseline" / "done.json").read_text())
    assert float(trained) == done["test_accuracy"]
    saved = json.loads((work / "config.json").read_text())
    assert saved["model"]["sync_bn"] is True
    assert saved["distribute"] == {
        "strategy": "mirrored",
        "logical_cpus": 2,
    }
    replicas, one, two = lines[-1].split()
    assert int(replicas) == 2
    assert abs(float(one) - float(two)) <= 1e-4 * abs(float(one))
    gap, zeros_one, zeros_two, total = lines[-2].split()
    assert float(gap) <= 1e-5 and zeros_one == zeros_two
    assert 0 < int(zeros_one) < int(total)  # the proximal step made zeros


WORKER = textwrap.dedent("""
    import sys
    from keras_sasrnet.train.distribute import is_chief, make_strategy
    strategy = make_strategy("multi_worker")
    import numpy as np
    import tensorflow as tf
    from keras_sasrnet import models
    from keras_sasrnet.train import loop

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (64, 32, 32, 1)).astype("float32")
    y = np.tile([0, 1], 32).astype("int32")
    data = lambda offset: tf.data.Dataset.from_tensor_slices((x, y)).batch(8).repeat()
    val = tf.data.Dataset.from_tensor_slices((x[:16], y[:16])).batch(8)
    model, state = loop.train(
        lambda: models.xunet((32, 32, 1), sparsity=1e-4), data, val,
        loop.Recipe(4, 2), sys.argv[2], strategy,
    )
    assert state["epoch"] == 2, state
    # Trainable weights are all-reduced; BN moving statistics stay per worker
    # (each sees its own shard) unless the model uses synchronized BN.
    trainable = [v.numpy() for v in model.trainable_weights]
    np.savez(sys.argv[1], chief=is_chief(strategy), *trainable)
""")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_workers(tmp_path):
    """Two worker processes on free loopback ports; their stderr texts.

    A port found free can be taken (by the other xdist worker's processes)
    before the worker binds it: that worker then stops at once with "Could
    not start gRPC server" and the pair is started again on new ports.
    """
    for attempt in range(5):
        workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
        procs, logs, files = [], [], []
        for index in range(2):
            cluster = {"cluster": {"worker": workers}}
            task = {"task": {"type": "worker", "index": index}}
            env = dict(os.environ, TF_CONFIG=json.dumps({**cluster, **task}))
            logs.append(tmp_path / f"worker{index}_{attempt}.log")
            files.append(logs[-1].open("w"))  # a file: a full pipe would block
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        WORKER,
                        str(tmp_path / f"w{index}.npz"),
                        str(tmp_path / f"work{index}"),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=files[-1],
                )
            )
        # Without a deadline: a worker waits for the other one, so the pair
        # ends together, or one fails and the other is stopped here.
        while all(p.poll() is None for p in procs):
            time.sleep(0.1)
        if any(p.returncode not in (None, 0) for p in procs):
            for p in procs:
                p.kill()
        for p, f in zip(procs, files, strict=True):
            p.wait()
            f.close()
        errors = [log.read_text() for log in logs]
        if not any("Could not start gRPC server" in e for e in errors):
            return procs, errors
    raise AssertionError("no free ports in 5 tries:\n" + errors[0][-2000:])


@pytest.mark.slow
def test_multi_worker_processes_agree_on_weights(tmp_path):
    procs, errors = start_workers(tmp_path)
    for p, err in zip(procs, errors, strict=True):
        assert p.returncode == 0, err[-3000:]
    w0, w1 = (np.load(tmp_path / f"w{i}.npz") for i in range(2))
    assert bool(w0["chief"]) and not bool(w1["chief"])
    arrays = [k for k in w0.files if k.startswith("arr_")]
    assert arrays
    for key in arrays:
        np.testing.assert_allclose(w0[key], w1[key], rtol=1e-5, atol=1e-6)
    # Only the chief writes checkpoints.
    assert (tmp_path / "work0" / "state.json").exists()
    assert not (tmp_path / "work1" / "state.json").exists()
