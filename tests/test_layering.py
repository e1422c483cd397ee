"""The package is layered: nothing imports upward (read from the sources).

    data, graph and the small shared modules  (bottom)
    models
    profile, latency, slimming
    train, evaluation
    export
    cli
    bin/                                      (top)

Two modules of one layer may import each other; the package's own
``__init__`` registers the saved custom objects and is exempt.
"""

import ast
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[1]

LAYERS = (
    {
        "_quiet",
        "atomic",
        "fingerprint",
        "precision",
        "graph",
        "layer_cost",
        "nested",
        "penalty",
        "markdown",
    },
    {"data"},
    {"models"},
    {"profile", "latency", "slimming"},
    {"train", "evaluation"},
    {"export"},
    {"cli"},
    {"bin"},
)
RANK = {part: k for k, layer in enumerate(LAYERS) for part in layer}


def part_of(module):
    """The layer-bearing part of a module name: keras_sasrnet.X... -> X."""
    parts = module.split(".")
    if parts[0] == "bin":
        return "bin"
    return parts[1] if len(parts) > 1 else ""


def imports(path):
    """keras_sasrnet modules a file imports (module- and function-level)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("keras_sasrnet.")}


def sources():
    files = sorted((ROOT / "keras_sasrnet").rglob("*.py"))
    files += sorted((ROOT / "bin").glob("*.py"))
    return [f for f in files if f != ROOT / "keras_sasrnet" / "__init__.py"]


def upward_imports():
    found = []
    for path in sources():
        relative = path.relative_to(ROOT).with_suffix("")
        own = part_of(".".join(relative.parts))
        for module in sorted(imports(path)):
            target = part_of(module)
            if RANK[target] > RANK[own]:
                found.append(f"{relative}: {module} ({own} -> {target})")
    return found


def test_every_part_of_the_package_has_a_layer():
    parts = {
        part_of(".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in sources()
    }
    assert parts <= set(RANK), sorted(parts - set(RANK))


def test_nothing_imports_upward():
    assert not upward_imports(), "\n".join(upward_imports())


@pytest.mark.parametrize(
    ("source", "target"), [("models/blocks.py", "keras_sasrnet.slimming.regularizer")]
)
def test_an_upward_import_is_caught(tmp_path, monkeypatch, source, target):
    # The import that once made models and slimming a cycle fails the check.
    copy = tmp_path / "keras_sasrnet" / source
    copy.parent.mkdir(parents=True)
    copy.write_text(f"import {target}\n")
    monkeypatch.setattr(
        __import__(__name__, fromlist=["sources"]), "sources", lambda: [copy]
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert upward_imports() == [
        f"keras_sasrnet/{source[:-3]}: {target} (models -> slimming)"
    ]


NO_TENSORFLOW = """
import sys
sys.modules["tensorflow"] = None  # any import of it now raises ImportError
import os
import numpy as np
import keras
from keras_sasrnet import models, profile, slimming

model = slimming.randomize_gammas(models.build("srnet", 1 / 8, input_shape=(32, 32, 1)))
slim, plan = slimming.slim(model, 0.5)
macs = sum(profile.count_macs(slim, (256, 256)).values())
path = os.path.join(sys.argv[1], "slim.keras")
slim.save(path)
again = keras.models.load_model(path)
x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 1)).astype("float32")
np.testing.assert_array_equal(np.asarray(again(x)), np.asarray(slim(x)))
full = sum(profile.count_macs(model, (256, 256)).values())
print(keras.backend.backend(), macs < full)
"""


def test_models_slimming_and_mac_counts_need_no_tensorflow(tmp_path):
    # Keras itself imports TensorFlow where it is installed (to recognise
    # its types); blocked, Keras on JAX must still build, slim, count, save.
    pytest.importorskip("jax")
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        # As tests/conftest.py sets for the JAX run: unoptimised XLA code
        # compiles these tiny graphs in half the time.
        "XLA_FLAGS": "--xla_backend_optimization_level=0 "
        "--xla_llvm_disable_expensive_passes=true",
    }
    done = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["jax", "True"]
