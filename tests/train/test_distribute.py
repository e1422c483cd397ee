"""Distribution on one CPU: logical devices and worker processes on loopback."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

MIRRORED = textwrap.dedent("""
    import sys
    from keras_sasrnet.train.distribute import make_strategy
    mirrored = make_strategy("mirrored", logical_cpus=2)  # before TF starts
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
            model = models.build("srnet", 1 / 8, input_shape=(32, 32, 1),
                                 sync_bn=True, sparsity=1e-4)
            model.set_weights(weights)
            compile_model(model, Recipe(1, 1))
        loss = model.fit(ds, epochs=1, verbose=0).history["loss"][0]
        return model, loss

    initial = models.build("srnet", 1 / 8, input_shape=(32, 32, 1),
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
            model = models.build("srnet", 1 / 8, input_shape=(32, 32, 1),
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
def test_mirrored_on_two_logical_cpus_matches_one_device():
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
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


@pytest.mark.slow
def test_multi_worker_processes_agree_on_weights(tmp_path):
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    procs = []
    for index in range(2):
        env = dict(
            os.environ,
            TF_CONFIG=json.dumps(
                {
                    "cluster": {"worker": workers},
                    "task": {"type": "worker", "index": index},
                }
            ),
        )
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
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for p in procs:
        _, err = p.communicate(timeout=300)
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
