"""The bad-input suite: image files, configs, flags and model files.

Every case goes through an installed command (prepare, embed, detect, eval,
export, slim) and must end with a one-line error naming the bad file or
value, a non-zero exit status, no traceback and nothing written where the
output would have gone. The cases of one command run in one process
(``bad_input_driver``) to keep TensorFlow's import to once per command.
"""

import itertools
import json
import pathlib
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import skimage.data
from PIL import Image

from keras_sasrnet import models
from keras_sasrnet.data import demo, embed
from keras_sasrnet.export import convert
from keras_sasrnet.models.io import save

pytestmark = pytest.mark.slow  # a subprocess per command
ROOT = pathlib.Path(__file__).parents[2]


def _crop(k, size=32):
    camera = skimage.data.camera()
    r, c = divmod(k, 4)
    return np.ascontiguousarray(
        camera[
            100 + size * r : 100 + size * (r + 1), 100 + size * c : 100 + size * (c + 1)
        ]
    )


def _folder(root, name, files):
    """A folder of good crops plus ``files`` ({name: bytes or array})."""
    folder = root / name
    folder.mkdir()
    for k in range(6):
        Image.fromarray(_crop(k)).save(folder / f"img{k}.pgm")
    for file_name, content in files.items():
        path = folder / file_name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            Image.fromarray(content).save(path)
    return folder


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    w = {"root": root}
    good = root / "good.pgm"
    Image.fromarray(_crop(0)).save(good)
    png = root / "ok.png"
    Image.fromarray(_crop(1)).save(png)
    truncated = png.read_bytes()[:200]
    jpeg = root / "real.jpg"
    Image.fromarray(_crop(2)).save(jpeg, quality=90)
    bomb = root / "bomb.png"
    Image.new("L", (20000, 20000)).save(bomb, optimize=True)  # 400 MP, 0.4 MB
    w["sources"] = {
        "corrupt": _folder(
            root, "corrupt", {"bad.pgm": b"P5\n32 32\n255\n" + b"x" * 9}
        ),
        "truncated": _folder(root, "truncated", {"cut.png": truncated}),
        "random": _folder(root, "random", {"noise.jpg": bytes(range(256)) * 4}),
        "sixteen": _folder(
            root, "sixteen", {"deep.png": (_crop(3).astype("uint16") * 256)}
        ),
        "colour": _folder(
            root, "colour", {"rgb.png": np.stack([_crop(4)] * 3, axis=-1)}
        ),
        "mixed": _folder(root, "mixed", {"big.pgm": _crop(0, size=48)}),
        "disguised": _folder(root, "disguised", {"jpeg.pgm": jpeg.read_bytes()}),
        "bomb": _folder(root, "bomb", {"bomb.png": bomb.read_bytes()}),
        "text": _folder(root, "text", {"notes.png": b"not an image at all\n"}),
    }
    (root / "empty").mkdir()
    (root / "a_file").write_text("not a folder\n")
    covers = demo.demo_covers(str(root / "covers"), size=32, stride=128)
    stegos = str(root / "stegos")
    embed.embed_dataset(covers, stegos, "lsbm", 1.0, progress=False)
    w["covers"], w["stegos"] = covers, stegos
    model = models.xunet((32, 32, 1))
    w["model"] = str(root / "model.keras")
    save(model, w["model"])
    models.io.write_metadata(w["model"], {"domain": "spatial"})
    (root / "garbage.keras").write_bytes(b"\x00" * 100)
    (root / "truncated.keras").write_bytes(pathlib.Path(w["model"]).read_bytes()[:500])
    with zipfile.ZipFile(root / "noconfig.keras", "w") as z:
        z.writestr("metadata.json", "{}")
    with zipfile.ZipFile(root / "badconfig.keras", "w") as z:
        with zipfile.ZipFile(w["model"]) as src:
            for name in src.namelist():
                data = src.read(name)
                z.writestr(name, b"{not json" if name == "config.json" else data)
    w["saved"] = convert.export_savedmodel(
        model, str(root / "saved"), {"domain": "spatial"}
    )
    (root / "folder.keras").mkdir()
    (root / "image.keras").write_bytes(good.read_bytes())
    return w


def run_driver(spec):
    """What ``bad_input_driver`` answers to ``spec`` (see its docstring)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.bin.bad_input_driver"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def error_lines(stderr):
    """The lines a user reads: absl/TF warnings and absl's help hint dropped."""
    noise = ("WARNING:", "W0000", "I0000", "Pass --helpshort")
    return [
        line
        for line in stderr.splitlines()
        if line.strip()
        and not line.lstrip().startswith(noise)
        and "it/s]" not in line  # a progress bar
    ]


_ids = itertools.count()


def fresh(tmp_path, name="out"):
    """A new output path per case: one case's leftovers cannot hide another's."""
    return str(tmp_path / f"{name}{next(_ids)}")


def check(binary, cases, answers):
    """Each case: (args, text its error line must contain, paths not created);
    ``answers``: what the driver recorded for each."""
    failures = []
    for (args, expected, absent), got in zip(cases, answers, strict=True):
        lines = error_lines(got["stderr"])
        problems = []
        if got["code"] == 0:
            problems.append("exit status 0")
        if "Traceback" in got["stderr"]:
            problems.append("traceback")
        if len(lines) != 1:
            problems.append(f"{len(lines)} error lines")
        elif expected not in lines[0]:
            problems.append(f"error line lacks {expected!r}")
        for path in [p + suffix for p in absent for suffix in ("", ".partial")]:
            if pathlib.Path(path).exists():
                problems.append(f"wrote {path}")
        if problems:
            failures.append(
                f"{binary} {' '.join(args)}: {problems}\n{got['stderr'][-1500:]}"
            )
    assert not failures, "\n\n".join(failures)


def prepare_cases(world, tmp_path):
    src = world["sources"]
    root = world["root"]

    def case(source, expected, *flags):
        out = fresh(tmp_path)
        if not any(f.startswith("--split") for f in flags):
            flags += ("--split=3,2,2",)
        return (
            [f"--src={source}", f"--out={out}", "--workers=1", *flags],
            expected,
            [out],
        )

    cases = [
        case(src["corrupt"], "bad.pgm"),
        case(src["truncated"], "cut.png"),
        case(src["random"], "noise.jpg"),
        case(src["text"], "notes.png"),
        case(src["sixteen"], "deep.png"),
        case(src["colour"], "rgb.png"),
        case(src["mixed"], "big.pgm"),
        case(src["disguised"], "jpeg.pgm"),
        case(src["bomb"], "bomb.png"),
        case(root / "empty", str(root / "empty")),
        case(root / "nowhere", str(root / "nowhere")),
        case(root / "a_file", str(root / "a_file")),
        case(src["corrupt"], "'0,0,1'", "--split=0,0,1"),
        case(src["corrupt"], "--resize=-3", "--resize=-3"),
        case(src["corrupt"], "--jpeg_quality=101", "--jpeg_quality=101"),
        case(src["corrupt"], "'(unclosed'", "--group_by=(unclosed"),
        case(src["corrupt"], "--crop=2", "--crop=2"),
        (
            [f"--src={src['corrupt']}", f"--out={root / 'a_file'}", "--split=3,2,2"],
            str(root / "a_file"),
            [],
        ),
    ]
    return cases


def embed_cases(world, tmp_path):
    root = world["root"]

    def case(covers, expected, *flags):
        out = fresh(tmp_path)
        args = [f"--covers={covers}", f"--out={out}", "--workers=1", *flags]
        if not any(f.startswith("--algorithm") for f in flags):
            args.append("--algorithm=lsbm")
        return (args, expected, [out])

    cases = [
        case(root / "nowhere", str(root / "nowhere")),
        case(root / "empty", str(root / "empty")),
        case(world["sources"]["corrupt"], str(world["sources"]["corrupt"])),
        case(world["covers"], "payload", "--payload=0"),
        case(world["covers"], "payload", "--payload=-0.5"),
        case(world["covers"], "uerd embeds into jpeg covers", "--algorithm=uerd"),
        case(world["covers"], "--algorithm=f5", "--algorithm=f5"),
        (
            [
                f"--covers={world['covers']}",
                f"--out={root / 'a_file'}",
                "--algorithm=lsbm",
            ],
            str(root / "a_file"),
            [],
        ),
    ]
    return cases


def detect_cases(world, tmp_path):
    root = world["root"]
    inputs = f"--inputs={world['covers']}"

    def case(model, expected, *flags):
        out = fresh(tmp_path, "scores.csv")
        return (
            [f"--model={model}", f"--out={out}", *(flags or (inputs,))],
            expected,
            [out],
        )

    cases = [
        case(root / "nowhere.keras", "nowhere.keras"),
        case(root / "garbage.keras", "garbage.keras"),
        case(root / "truncated.keras", "truncated.keras"),
        case(root / "noconfig.keras", "noconfig.keras"),
        case(root / "badconfig.keras", "badconfig.keras"),
        case(root / "folder.keras", "folder.keras"),
        case(root / "image.keras", "image.keras"),
        case(world["model"], str(root / "nowhere"), f"--inputs={root / 'nowhere'}"),
        case(world["model"], str(root / "empty"), f"--inputs={root / 'empty'}"),
        case(world["model"], "--threshold=2", inputs, "--threshold=2"),
        case(world["saved"], "--trust_savedmodel"),
    ]
    return cases


def eval_cases(world, tmp_path):
    root = world["root"]
    good_set = f"--sets=test={world['covers']}:{world['stegos']}"

    def case(models_flag, sets_flag, expected):
        out = fresh(tmp_path)
        return ([models_flag, sets_flag, f"--out={out}"], expected, [out])

    cases = [
        case(f"--models=m={root / 'nowhere.keras'}", good_set, "nowhere.keras"),
        case(f"--models=m={root / 'garbage.keras'}", good_set, "garbage.keras"),
        case(f"--models=m={world['saved']}", good_set, "--trust_savedmodel"),
        case(
            f"--models={world['model']}",
            f"--sets=test={root / 'nowhere'}:{world['stegos']}",
            str(root / "nowhere"),
        ),
        case(f"--models={world['model']}", f"--sets=test={world['covers']}", "test="),
        case(
            f"--models={world['model']}",
            f"--sets=test={world['covers']}:{world['stegos']}:bogus",
            "bogus",
        ),
        case(
            f"--models={world['model']}",
            f"--sets=test={world['covers']}:{root / 'empty'}",
            str(root / "empty"),
        ),
    ]
    return cases


def export_cases(world, tmp_path):
    root = world["root"]
    data = [f"--covers={world['covers']}", f"--stegos={world['stegos']}"]

    def case(expected, *flags, model=world["model"]):
        out = fresh(tmp_path)
        return ([f"--model={model}", f"--out={out}", *flags], expected, [out])

    cases = [
        case("garbage.keras", *data, model=root / "garbage.keras"),
        case(
            str(root / "nowhere"),
            f"--covers={root / 'nowhere'}",
            f"--stegos={world['stegos']}",
        ),
        case("int4", *data, "--modes=float32,int4"),
        case("--calibration_pairs=0", *data, "--calibration_pairs=0"),
        (
            [f"--model={world['model']}", f"--out={root / 'a_file'}", *data],
            str(root / "a_file"),
            [],
        ),
    ]
    return cases


def slim_cases(world, tmp_path):
    root = world["root"]
    tiny = f"--config={ROOT / 'configs' / 'tiny.py'}"

    def case(expected, *flags, config=tiny):
        workdir = fresh(tmp_path)
        return ([config, f"--workdir={workdir}", *flags], expected, [workdir])

    cases = [
        case("prune.target", "--config.prune.target=1.5"),
        case("bogus", "--config.prune.aggregate=bogus"),
        case("train.lr", "--config.train.lr=-1"),
        case("no_such_field", "--config.no_such_field=1"),
        case("nowhere.py", config=f"--config={root / 'nowhere.py'}"),
        case(
            str(root / "nowhere"),
            f"--config.data.covers={root / 'nowhere'}",
            "--config.data.demo.use=False",
            f"--config.data.stegos={world['stegos']}",
        ),
        ([tiny, f"--workdir={root / 'a_file'}"], str(root / "a_file"), []),
    ]
    return cases


CASES = {
    "sasrnet_prepare": prepare_cases,
    "sasrnet_embed": embed_cases,
    "sasrnet_detect": detect_cases,
    "sasrnet_eval": eval_cases,
    "sasrnet_export": export_cases,
    "sasrnet_slim": slim_cases,
}


@pytest.fixture(scope="module")
def answers(world):
    """Every binary's cases, run in one driver process (one TensorFlow import)."""
    outputs = world["root"] / "outputs"
    outputs.mkdir()
    cases = {binary: build(world, outputs) for binary, build in CASES.items()}
    spec = [{"binary": b, "cases": [args for args, *_ in c]} for b, c in cases.items()]
    return {
        binary: (cases[binary], got)
        for binary, got in zip(cases, run_driver(spec), strict=True)
    }


@pytest.mark.parametrize("binary", sorted(CASES))
def test_bad_input_gives_one_line_and_writes_nothing(binary, answers):
    check(binary, *answers[binary])
