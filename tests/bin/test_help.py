"""Every binary: --help explains every flag; bad values give one-line errors."""

import importlib.metadata
import importlib.util
import pathlib
import re
import subprocess
import sysconfig

import pytest

from keras_sasrnet import cli
from tests.bin.test_bad_input import error_lines, run_driver

pytestmark = pytest.mark.slow  # a subprocess per command
ROOT = pathlib.Path(__file__).parents[2]
BINARIES = sorted(p.stem for p in ROOT.glob("bin/sasrnet_*.py"))


def test_installed_command_help_lists_its_flags():
    # A console-script entry point is not __main__: absl listed no flag.
    # The script pip wrote beside this interpreter: found without PATH, so
    # the test also runs in a virtual environment that is not activated.
    script = pathlib.Path(sysconfig.get_path("scripts")) / "sasrnet_slim"
    assert script.exists(), f"{script}: is the package installed (pip install -e .)?"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=300
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


# Bad values per binary: (arguments, what the first error line says).
BAD = {
    "sasrnet_prepare": [
        (
            ["--src=/no/such/dir", "--out={tmp}/x"],
            "error: no such directory: /no/such/dir",
        ),
        (
            ["--src={tmp}", "--out={tmp}/x", "--split=a,b,c"],
            "error: split must be 'proportional', 'paper', 3 counts "
            "(4000,1000,5000) or 3 fractions (0.8,0.1,0.1 or 80%,10%,10%); "
            "received 'a,b,c'",
        ),
        (
            ["--src={tmp}", "--out={tmp}/y", "--jpeg_quality=101"],
            "flag --jpeg_quality=101: 101 is not",
        ),
    ],
    "sasrnet_embed": [
        (
            ["--covers=/no/such", "--out={tmp}/x", "--algorithm=hill"],
            "error: no such data set directory: /no/such",
        ),
        (
            ["--covers={tmp}", "--out={tmp}/x", "--algorithm=f5"],
            "flag --algorithm=f5: value should be one of",
        ),
        (
            ["--covers={tmp}", "--out={tmp}/x", "--algorithm=hill", "--payload=2"],
            "error: payload must be in (0, 1]; received 2.0",
        ),
    ],
    "sasrnet_profile": [
        (
            ["--prune_rates=0.4,1.2"],
            "error: prune rate must be in [0, 1); received 1.2",
        ),
        (["--prune_rates=a"], "error: --prune_rates takes numbers; received a"),
        (["--model=/no/such/none.keras"], "error: no model file at"),
        (["--width_scale=-1"], "error: width scale must be > 0; received -1.0"),
        (["--input_size=0"], "flag --input_size=0: 0 is not a positive integer"),
    ],
}


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """--help, then the bad values, of every binary, in one process
    (bad_input_driver: TensorFlow imported once, not once per binary)."""
    tmp = tmp_path_factory.mktemp("help")  # {tmp} in BAD: nothing is written
    spec = [
        {
            "binary": b,
            "cases": [
                ["--help"],
                *[[a.format(tmp=tmp) for a in args] for args, _ in BAD.get(b, [])],
            ],
        }
        for b in BINARIES
    ]
    got = dict(zip(BINARIES, run_driver(spec), strict=True))
    assert not list(tmp.iterdir()), "a bad value still wrote its output"
    return got


@pytest.mark.parametrize("binary", BINARIES)
def test_help_explains_every_flag_and_bad_values_are_one_line(binary, answers):
    names = defined_flags(binary)
    assert names, binary
    # The driver calls the console-script entry point (``run()``), which is
    # not __main__, where absl looks for the flags to list.
    bad = BAD.get(binary, [])
    help_, *errors = answers[binary]
    text = help_["stdout"]
    assert "flags:" in text, help_["stderr"][-2000:]
    for name in names:
        # "--name: <help text>" (or --[no]name for booleans), help non-empty.
        match = re.search(rf"--(?:\[no\])?{name}: (.{{10,}})", text)
        assert match, (binary, name, text[-2000:])
    for (args, message), result in zip(bad, errors, strict=True):
        assert result["code"] != 0, args
        assert "Traceback" not in result["stderr"], (args, result["stderr"])
        first = error_lines(result["stderr"])[0]
        assert message in first, (args, result["stderr"])


def test_every_binary_is_a_console_command():
    scripts = importlib.metadata.entry_points(group="console_scripts")
    for binary in BINARIES:
        assert scripts[binary].value == f"keras_sasrnet.bin.{binary}:entry"
