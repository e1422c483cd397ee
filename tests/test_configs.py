"""Every config file loads, and its values pass validation where data exist."""

import importlib.util
import pathlib

import pytest

from keras_sasrnet.train.config import parse_arg, validate

CONFIGS = sorted(
    p
    for p in (pathlib.Path(__file__).parents[1] / "configs").glob("*.py")
    if p.name != "__init__.py"
)


def load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_config_loads_and_documents_its_command(path):
    module = load(path)
    assert f"--config=configs/{path.name}" in module.__doc__
    c = module.get_config()
    assert c.model.arch in ("srnet", "xunet")
    if "bench" in c:  # checked by the benchmark: tests/bench/test_bench.py
        validate_probe = c.copy_and_resolve_references()
        validate_probe.data.demo.use = True  # its data are made per task
        validate(validate_probe)
    elif c.data.demo.use:
        validate(c)
    else:  # paper experiments: data paths follow the documented layout
        assert c.data.stegos.startswith(c.data.covers + "_")
        with pytest.raises(ValueError, match="no such directory"):
            validate(c)


def test_paper_config_arguments():
    module = load(next(p for p in CONFIGS if p.stem == "srnet_juniward"))
    c = module.get_config("payload=0.2,qf=95")
    assert c.data.covers == "data/boss256_q95"
    assert c.data.stegos == "data/boss256_q95_juniward_0.2"
    hill = load(next(p for p in CONFIGS if p.stem == "srnet_hill")).get_config()
    assert hill.data.covers == "data/boss256"
    # the strength chosen by the guard's sweep, from the paper's alpha
    s = hill.sparsity
    assert (s.adaptive, s.search, s.alpha, s.rungs) == (True, "sweep", 1e-4, 4)
    from keras_sasrnet.train import guard

    assert guard.rung_iterations(s.steps, s.rungs) == [25_000] * 4
    with pytest.raises(ValueError, match="'size=3' is not key=value"):
        parse_arg("size=3", payload=0.4)


def test_paper_experiment_takes_the_domain_from_the_embedding_list():
    from keras_sasrnet.train.config import paper_experiment

    # mipod and lsbm are spatial: the configs' own list once sent them to
    # JPEG covers.
    for algorithm in ("mipod", "lsbm", "hill"):
        assert paper_experiment("srnet", algorithm).data.covers == "data/boss256"
    assert paper_experiment("srnet", "uerd").data.covers == "data/boss256_q75"
    with pytest.raises(ValueError, match="algorithm must be one of"):
        paper_experiment("srnet", "f5")
