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
        "_lazy",
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


def _all_imports(path):
    """Every module a file imports (absolute names, function level too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return found


def imports(path):
    """keras_sasrnet modules a file imports (module- and function-level)."""
    return {m for m in _all_imports(path) if m.startswith("keras_sasrnet.")}


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


def library_to_benchmark_imports(root=ROOT):
    """Files of the library (and of its tests outside tests/bench) that
    import ``benchmarks``: the experiments import the library, never the
    reverse."""
    files = sorted((root / "keras_sasrnet").rglob("*.py"))
    files += [
        f
        for f in sorted((root / "tests").rglob("*.py"))
        if "bench" not in f.relative_to(root / "tests").parts[:1]
    ]
    return [
        str(f.relative_to(root))
        for f in files
        if any(
            m == "benchmarks" or m.startswith("benchmarks.") for m in _all_imports(f)
        )
    ]


def benchmark_cycles(root=ROOT):
    """Import cycles among the modules of ``benchmarks/`` (as "a -> b -> a")."""
    modules = {}
    for f in sorted((root / "benchmarks").rglob("*.py")):
        name = ".".join(f.relative_to(root).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = f

    def targets(f):
        """Modules ``f`` imports: ``from pkg import mod`` is an edge to mod
        (pkg/__init__ runs first, but it is not what the file uses)."""
        out = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                out |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    out.add(sub if sub in modules else node.module)
        return out

    edges = {name: (targets(f) & set(modules)) - {name} for name, f in modules.items()}
    cycles = []
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges[node]):
                if nxt == start and len(path) > 1:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in path and nxt > start:
                    stack.append((nxt, [*path, nxt]))
    return cycles


def test_the_library_never_imports_the_benchmarks():
    assert not library_to_benchmark_imports(), library_to_benchmark_imports()


def test_the_benchmarks_have_no_import_cycle():
    assert not benchmark_cycles(), benchmark_cycles()


def test_the_boundary_checks_catch_a_crossing_and_a_cycle(tmp_path):
    (tmp_path / "keras_sasrnet").mkdir()
    (tmp_path / "keras_sasrnet" / "x.py").write_text("from benchmarks import a\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "a.py").write_text("def f():\n    import benchmarks.b\n")
    (tmp_path / "benchmarks" / "b.py").write_text("from benchmarks.a import f\n")
    assert library_to_benchmark_imports(tmp_path) == ["keras_sasrnet/x.py"]
    assert benchmark_cycles(tmp_path) == [
        "benchmarks.a -> benchmarks.b -> benchmarks.a"
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
