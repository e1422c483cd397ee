"""The docs: the command reference lists every flag; the slimming example runs."""

import pathlib
import re

import pytest
from keras_sasrnet.bin import reference

from tests.bin.test_help import BINARIES, defined_flags

ROOT = pathlib.Path(__file__).parents[1]


def test_the_command_reference_has_every_binary_and_every_flag():
    text = reference.markdown()
    assert reference.binaries() == BINARIES
    for binary in BINARIES:
        assert f"## {binary}" in text
        section = text.split(f"## {binary}\n", 1)[1].split("\n## ", 1)[0]
        for name in defined_flags(binary):
            assert f"| `--{name}` |" in section, (binary, name)


@pytest.mark.slow
def test_the_slimming_example_in_the_docs_runs(tmp_path, capsys):
    page = (ROOT / "docs" / "slimming.md").read_text()
    code = re.search(r"## A runnable example.*?```python\n(.*?)```", page, re.S)[1]
    exec(compile(code.replace("/tmp/", f"{tmp_path}/"), "slimming.md", "exec"), {})
    out = capsys.readouterr().out
    assert re.search(r"^\d+% of the channels removed$", out, re.M), out
    assert (tmp_path / "mobilenet_plan.json").exists()


def test_readme_docs_and_ci_run_the_same_test_command():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci.startswith("pip install -e '.[test]' && ")
    for page in ("README.md", "docs/getting-started.md"):
        blocks = re.findall(r"```bash\n(.*?)\n```", (ROOT / page).read_text(), re.S)
        assert blocks[:2] == [
            "pip install . && sasrnet_slim --config=configs/demo.py "
            "--workdir=work/demo",
            ci,
        ], page
