"""Every binary: --help explains every flag; bad values give one-line errors."""

import importlib.metadata
import importlib.util
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from keras_sasrnet import cli

pytestmark = pytest.mark.slow  # a subprocess per command
ROOT = pathlib.Path(__file__).parents[2]
BINARIES = sorted(p.stem for p in ROOT.glob("bin/sasrnet_*.py"))


def run(binary, *args):
    return subprocess.run(
        [sys.executable, "-m", f"keras_sasrnet.bin.{binary}", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_installed_command_help_lists_its_flags():
    # A console-script entry point is not __main__: absl listed no flag.
    result = subprocess.run(
        ["sasrnet_slim", "--help"], capture_output=True, text=True, timeout=300
    )
    # (absl exits with status 1 after --help)
    assert "--workdir: Output folder" in result.stdout, result.stderr[-2000:]
    assert "Runs the whole slimming schedule" in result.stdout


def defined_flags(binary):
    """Flag names a binary's source defines (absl and config_flags)."""
    source = (ROOT / "bin" / f"{binary}.py").read_text()
    names = re.findall(r"(?:flags|config_flags)\.DEFINE_\w+\(\s*\"(\w+)\"", source)
    # and the shared ones from cli: cli.define_overwrite(...) -> "overwrite",
    # cli.define_plan_flags() -> its group's flags
    for shared in re.findall(r"cli\.define_(\w+)\(", source):
        names += list(cli.SHARED.get(shared, (shared,)))
    return names


@pytest.mark.parametrize("binary", BINARIES)
def test_help_explains_every_flag(binary):
    names = defined_flags(binary)
    assert names, binary
    # Through the installed command, as a user runs it (a console-script
    # entry point is not __main__, where absl looks for the flags to list).
    command = shutil.which(binary)
    assert command, f"{binary} is not installed as a command"
    result = subprocess.run(
        [command, "--help"], capture_output=True, text=True, timeout=300
    )  # absl exits 1 after printing help
    module = importlib.util.find_spec(f"keras_sasrnet.bin.{binary}")
    assert module is not None
    text = result.stdout
    assert "flags:" in text
    for name in names:
        # "--name: <help text>" (or --[no]name for booleans), help non-empty.
        match = re.search(rf"--(?:\[no\])?{name}: (.{{10,}})", text)
        assert match, (binary, name, text[-2000:])


def test_every_binary_is_a_console_command():
    scripts = importlib.metadata.entry_points(group="console_scripts")
    for binary in BINARIES:
        assert scripts[binary].value == f"keras_sasrnet.bin.{binary}:run"


@pytest.mark.parametrize(
    ("binary", "args", "message"),
    [
        (
            "sasrnet_prepare",
            ["--src=/no/such/dir", "--out=/tmp/x"],
            "error: no such directory: /no/such/dir",
        ),
        (
            "sasrnet_prepare",
            ["--src=/tmp", "--out=/tmp/x", "--split=a,b,c"],
            "error: split must be 'paper', 3 counts (4000,1000,5000) or 3 fractions "
            "(0.8,0.1,0.1 or 80%,10%,10%); received 'a,b,c'",
        ),
        (
            "sasrnet_prepare",
            ["--src=x", "--out=y", "--jpeg_quality=101"],
            "flag --jpeg_quality=101: 101 is not",
        ),
        (
            "sasrnet_embed",
            ["--covers=/no/such", "--out=/tmp/x", "--algorithm=hill"],
            "error: no such data set directory: /no/such",
        ),
        (
            "sasrnet_embed",
            ["--covers=/tmp", "--out=/tmp/x", "--algorithm=f5"],
            "flag --algorithm=f5: value should be one of",
        ),
        (
            "sasrnet_embed",
            ["--covers=/tmp", "--out=/tmp/x", "--algorithm=hill", "--payload=2"],
            "error: payload must be in (0, 1]; received 2.0",
        ),
    ],
)
def test_bad_values_give_one_line_errors(binary, args, message):
    result = run(binary, *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[0], result.stderr
