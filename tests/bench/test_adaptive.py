"""The adaptive study's runs: one config, only data, seed and search change."""

import pytest

from benchmarks.adaptive import run
from configs import demo


def test_a_run_changes_only_the_seed_and_the_search():
    base = demo.get_config()
    c = run.task_config(base, "demo", "unused", 1, "ladder")
    assert (c.seed, c.sparsity.search) == (1, "ladder")
    assert run.task_config(base, "demo", "unused", 0).sparsity.search == "sweep"
    c.seed, c.sparsity.search = base.seed, base.sparsity.search
    assert c.to_dict() == base.to_dict()
    with pytest.raises(ValueError, match="sparsity.search"):
        run.task_config(base, "demo", "unused", 0, "bogus")
