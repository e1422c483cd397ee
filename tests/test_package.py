"""Packaging: a regular (non-editable) install must ship every module."""

import pathlib

import pytest
import setuptools

ROOT = pathlib.Path(__file__).parents[1]


def test_every_source_folder_is_a_package():
    found = set(setuptools.find_packages(str(ROOT), include=["keras_sasrnet*"]))
    folders = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "keras_sasrnet").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert folders <= found, f"missing __init__.py in {sorted(folders - found)}"


@pytest.mark.slow
def test_plain_import_registers_every_saved_custom_object(tmp_path):
    # A fresh process that imports only keras_sasrnet (not .models) must load
    # a saved XuNet (KVKernel initializer, GammaL1) and a proximal-sparse
    # model compiled with ProximalAdamax.
    import subprocess
    import sys
    import textwrap

    # Saved here; loaded in a fresh process (the point: what it imports).
    from keras_sasrnet import models, slimming
    from keras_sasrnet.train import loop

    m = slimming.with_sparsity(
        models.xunet((16, 16, 1), sparsity=1e-4), 0.1, method="prox"
    )
    loop.compile_model(m, loop.Recipe(1, 1))
    m.save(str(tmp_path / "x.keras"))
    models.build("srnet", 1 / 16, input_shape=(16, 16, 1)).save(
        str(tmp_path / "s.keras")
    )
    load = textwrap.dedent(f"""
        import keras, keras_sasrnet
        m = keras.models.load_model({str(tmp_path / "x.keras")!r})
        print(type(m.optimizer).__name__, m.get_layer("g5_bn").gamma_regularizer)
        print(keras.models.load_model({str(tmp_path / "s.keras")!r}).name)
    """)
    r = subprocess.run(
        [sys.executable, "-c", load], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "ProximalAdamax" in r.stdout and "GammaL1" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "srnet"


def _error_types():
    """Every exception class the package defines (modules imported by walking)."""
    import importlib
    import inspect
    import pkgutil

    import keras_sasrnet

    found = {}
    for info in pkgutil.walk_packages(keras_sasrnet.__path__, "keras_sasrnet."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == info.name:
                found[f"{cls.__module__}.{cls.__name__}"] = cls
    return found


def test_every_error_type_survives_a_worker_process():
    # A worker's exception reaches the parent pickled; one that cannot be
    # unpickled became "TypeError: __init__() missing ... argument".
    import inspect
    import pickle

    types = _error_types()
    assert "keras_sasrnet.data.images.ImageError" in types
    for name, cls in types.items():
        params = [
            p
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.name != "self"
            and p.default is p.empty
            and p.kind <= p.KEYWORD_ONLY
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        error = cls(*[f"{p.name}-value" for p in params])
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is cls and str(again) == str(error), name
        assert vars(again) == vars(error), name


@pytest.mark.parametrize(
    "package",
    ["cli", "data", "evaluation", "export", "models", "slimming", "train"],
)
def test_every_subpackage_lists_symbols_not_modules(package):
    """One ``__all__`` convention: what a user calls, each name resolving to
    a function, class or constant (modules stay reachable by import)."""
    import importlib
    import types

    module = importlib.import_module(f"keras_sasrnet.{package}")
    assert module.__all__
    for name in module.__all__:
        value = getattr(module, name)
        assert not isinstance(value, types.ModuleType), f"{package}.{name}"
