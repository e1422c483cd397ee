"""Every config field has a rule, and every rule is enforced before any work."""

import importlib.util
import pathlib

import pytest

from configs import demo as demo_config
from keras_sasrnet.train import config, pipeline, rules

FOLDER = pathlib.Path(__file__).parents[2] / "configs"
CONFIGS = [
    (p, None) for p in sorted(FOLDER.glob("*.py")) if p.name != "__init__.py"
] + [(FOLDER / "demo.py", "tiny"), (FOLDER / "bench_cpu.py", "tiny")]


def _load(path, arg):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(arg)


@pytest.mark.parametrize(
    ("path", "arg"), CONFIGS, ids=[f"{p.stem}:{a}" if a else p.stem for p, a in CONFIGS]
)
def test_every_field_of_every_shipped_config_has_a_rule_it_meets(path, arg):
    c = _load(path, arg)
    names = [n for n, _ in rules.leaves(c) if not n.startswith("bench.")]
    assert names and not [n for n in names if n not in rules.RULES]
    rules.check(c)


def test_a_field_without_a_rule_is_refused():
    c = config.base()
    with c.unlocked():
        c.train.warmup = 10
    with pytest.raises(ValueError, match="train.warmup: not a field"):
        rules.check(c)


def _cases():
    for name, rule in sorted(rules.RULES.items()):
        for value in rule.bad_values():
            yield name, value


CASES = list(_cases())


def test_the_walk_covers_every_ranged_or_closed_field():
    walked = {name for name, _ in CASES}
    closed = {
        n for n, r in rules.RULES.items() if isinstance(r, (rules.Number, rules.Choice))
    }
    assert walked == closed and len(walked) >= 35


@pytest.mark.parametrize(("name", "value"), CASES, ids=[f"{n}={v}" for n, v in CASES])
def test_each_bad_value_stops_the_run_before_anything_is_written(name, value, tmp_path):
    """The whole schedule's entry point, with one bad field: one error naming
    the field, and the work directory never made."""
    c = demo_config.get_config("tiny")
    *path, key = name.split(".")
    section = c
    for part in path:
        section = section[part]
    with c.unlocked():  # model.stem_init is SRNet's optional field
        section[key] = value
    workdir = tmp_path / "run"
    with pytest.raises(ValueError, match=f"^{name} must"):
        pipeline.run_slimming(c, str(workdir))
    assert not workdir.exists()


def test_number_rules_say_the_range():
    rule = rules.Number(lo=0, hi=1, open_hi=True)
    assert rule.problem(0.0) is None and rule.problem(0.5) is None
    assert rule.problem(1.0) == "must be in [0, 1)"
    assert rule.problem(True) == "must be a number"
    assert rules.Number(lo=1, integer=True).problem(1.5) == "must be an integer"
    assert rules.Number(lo=0, open_lo=True).problem(0) == "must be > 0"
    assert rules.Number(none=True).problem(None) is None
    assert rules.Number().problem(float("nan")) is not None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"steps": 3, "rungs": 4}, "sparsity.steps=3 is fewer than sparsity.rungs=4"),
        ({"alpha": 0.0}, "sparsity.alpha=0 with sparsity.adaptive"),
        ({"method": "l1"}, "sparsity.method='l1' leaves none at exactly zero"),
    ],
)
def test_a_guard_that_could_not_choose_is_refused(fields, message):
    """The guard's fields, each valid alone, that together leave it nothing
    to judge: one line naming them (the shipped demo itself passes)."""
    c = demo_config.get_config()
    config.validate(c)
    for key, value in fields.items():
        c.sparsity[key] = value
    with pytest.raises(ValueError, match=message):
        config.validate(c)
    if fields == {"method": "l1"}:  # a |gamma| threshold gives it zeros to count
        c.prune.zero_threshold = 1e-3
        config.validate(c)
