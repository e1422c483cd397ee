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
import shutil
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest
import skimage.data
from PIL import Image

from keras_sasrnet import models
from keras_sasrnet.data import demo, embed, prepare
from keras_sasrnet.data.manifest import Manifest
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
    w["lambda"] = str(root / "lambda.keras")
    inputs = keras.Input((32, 32, 1))
    doubled = keras.layers.Lambda(lambda t: t * 2)(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(doubled)
    save(keras.Model(inputs, keras.layers.Dense(2)(pooled)), w["lambda"])
    # a source folder with a link out of it, and one with formats the
    # readers do not take
    linked = _folder(root, "linked", {})
    (linked / "outside.pgm").symlink_to(good)
    w["sources"]["linked"] = linked
    w["sources"]["gif"] = _folder(root, "gif", {})
    Image.fromarray(_crop(5)).save(w["sources"]["gif"] / "anim.gif")
    w["sources"]["pbm"] = _folder(root, "pbm", {})
    Image.fromarray(_crop(5)).convert("1").save(w["sources"]["pbm"] / "bits.pbm")
    # stegos of the training split only; one with a stego missing; JPEG covers
    w["train_stegos"] = str(root / "train_stegos")
    embed.embed_dataset(covers, w["train_stegos"], "lsbm", 1.0, split="train")
    w["fewer_stegos"] = _fewer(stegos, root / "fewer_stegos")
    w["jpeg_covers"] = str(root / "jpeg_covers")
    prepare.prepare_dataset(
        str(_folder(root, "plain", {})), w["jpeg_covers"], jpeg_quality=90,
        split=(3, 2, 1), progress=False,
    )  # fmt: skip
    (root / "plain.csv").mkdir()  # a folder where a file is asked for
    w["table"] = str(ROOT / "benchmarks" / "latency" / "table.json")
    (root / "no_get.py").write_text("CONFIG = {}\n")  # a config file without get_config
    old_run = root / "old_run"  # a run folder from before
    (old_run / "baseline").mkdir(parents=True)
    (old_run / "config.json").write_text("{}\n")
    (old_run / "baseline" / "done.json").write_text("{}\n")
    w["old_run"] = str(old_run)
    return w


def _fewer(stegos, folder):
    """A copy of a stego set with its first stego gone (from manifest and disk)."""
    shutil.copytree(stegos, folder)
    manifest = Manifest.load(str(folder))
    gone = manifest.files.pop(0)
    (folder / gone["name"]).unlink()
    manifest.save(str(folder))
    return str(folder)


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


def snapshot(path):
    """What a path holds: (relative name, size, mtime) of every file."""
    path = pathlib.Path(path)
    files = [path] if path.is_file() else sorted(path.rglob("*"))
    return [
        (str(f.relative_to(path)) if f != path else "", f.stat().st_size,
         f.stat().st_mtime_ns)
        for f in files
    ]  # fmt: skip


def kept(path):
    """A case's fourth item: ``path`` exists before and must be unchanged."""
    return {str(path): snapshot(path)}


def check(binary, cases, answers):
    """Each case: (args, text its error line must contain, paths not created
    [, {existing path: snapshot} left unchanged]); ``answers``: what the
    driver recorded for each. The exit status of a user error is 2."""
    failures = []
    for case, got in zip(cases, answers, strict=True):
        args, expected, absent, *rest = case
        lines = error_lines(got["stderr"])
        problems = []
        if got["code"] != 2:
            problems.append(f"exit status {got['code']}")
        for path, before in (rest[0] if rest else {}).items():
            if snapshot(path) != before:
                problems.append(f"changed {path}")
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
            kept(root / "a_file"),
        ),
        case(src["linked"], "outside.pgm"),  # a link out of --src: not followed
        case(src["gif"], "anim.gif"),  # a format the readers do not take
        case(src["pbm"], "bits.pbm"),
        case(src["corrupt"], "received '1,1'", "--split=1,1"),
        case(src["corrupt"], "--workers=-2", "--workers=-2"),
        case(src["corrupt"], "divisible by 8", "--resize=7", "--jpeg_quality=90"),
        ([f"--out={fresh(tmp_path)}"], "--src is required", []),
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
            kept(root / "a_file"),
        ),
        case(world["covers"], "payload", "--payload=1.5"),
        case(world["jpeg_covers"], "lsbm embeds into spatial covers"),
        case(world["covers"], "--split=bogus", "--split=bogus"),
        ([f"--out={fresh(tmp_path)}"], "--covers, --algorithm are required", []),
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
        case(world["lambda"], "lambda.keras"),  # refused by safe loading
        case(root / "garbage.keras", "--threshold=-1", inputs, "--threshold=-1"),
        (
            [f"--model={world['model']}", inputs, f"--out={root / 'plain.csv'}"],
            "is a folder",
            [],
            kept(root / "plain.csv"),
        ),
        ([inputs], "--model is required", []),
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
        case(f"--models=m={world['lambda']}", good_set, "lambda.keras"),
        case(f"--models={world['model']}", "--sets=", "--sets"),
        case(
            f"--models={world['model']}",
            f"--sets=test={world['jpeg_covers']}:{world['stegos']}",
            "spatial",
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
            kept(root / "a_file"),
        ),
        case("lambda.keras", *data, model=world["lambda"]),
        case("truncated.keras", *data, model=root / "truncated.keras"),
    ]
    return cases


def prune_cases(world, tmp_path):
    root = world["root"]
    data = [f"--covers={world['covers']}", f"--stegos={world['stegos']}"]

    def case(expected, *flags, model=world["model"]):
        out = fresh(tmp_path)
        return ([f"--model={model}", f"--out={out}", *flags], expected, [out])

    return [
        (
            [f"--model={world['model']}", f"--out={root / 'a_file'}", "--rate=0.5"],
            "exists and is not a folder",
            [],
            kept(root / "a_file"),
        ),
        case(  # checked before pruning, not after it
            "split 'test'",
            "--rate=0.5",
            f"--covers={world['covers']}",
            f"--stegos={world['train_stegos']}",
            "--split=test",
        ),
        case("received 1.5", "--rate=1.5"),
        case("--rate is required", *data),
        case("truncated.keras", "--rate=0.5", model=root / "truncated.keras"),
        case("lambda.keras", "--rate=0.5", model=world["lambda"]),
        case("--covers and --stegos", "--rate=0.5", data[0]),
        case(
            "--latency_budget",
            f"--latency_table={world['table']}",
            "--latency_budget=1.5",
        ),
        case("--latency_table and --latency_budget", "--latency_budget=0.5"),
        case("--min_channels=0", "--rate=0.5", "--min_channels=0"),
    ]


def finetune_cases(world, tmp_path):
    root = world["root"]
    tiny = f"--config={ROOT / 'configs' / 'demo.py'}:tiny"

    def case(expected, *flags, model=world["model"]):
        workdir = fresh(tmp_path)
        return ([tiny, f"--model={model}", f"--workdir={workdir}", *flags],
                expected, [workdir])  # fmt: skip

    return [
        case("truncated.keras", model=root / "truncated.keras"),
        case("lambda.keras", model=world["lambda"]),
        case("nowhere.keras", model=root / "nowhere.keras"),
        case("finetune.lr", "--config.finetune.lr=0"),
        case("finetune.steps", "--config.finetune.steps=-1"),
    ]


def slim_cases(world, tmp_path):
    root = world["root"]
    tiny = f"--config={ROOT / 'configs' / 'demo.py'}:tiny"

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
        case("data.demo.payload", "--config.data.demo.payload=0"),
        case("prune.schedule", "--config.prune.schedule=bogus"),  # not after training
        case("--config.prune.rounds=two", "--config.prune.rounds=two"),
        case("get_config", config=f"--config={root / 'no_get.py'}"),
        case(
            "covers without a stego",
            "--config.data.demo.use=False",
            f"--config.data.covers={world['covers']}",
            f"--config.data.stegos={world['fewer_stegos']}",
            "--config.data.strict_pairs=True",
        ),
        case(
            "truncated.keras",
            f"--config.baseline.model={root / 'truncated.keras'}",
        ),
        case(
            "spatial",
            "--config.data.demo.use=False",
            f"--config.data.covers={world['jpeg_covers']}",
            f"--config.data.stegos={world['stegos']}",
        ),
        case("sparsity.momentum", "--config.sparsity.momentum=1.0"),
        case("latency.table", "--config.latency.table=/no/table.json"),
        # an existing run folder: a bad value leaves it as it was
        (
            [tiny, f"--workdir={world['old_run']}", "--config.train.lr=0"],
            "train.lr",
            [],
            kept(world["old_run"]),
        ),
    ]
    return cases


CASES = {
    "sasrnet_prepare": prepare_cases,
    "sasrnet_embed": embed_cases,
    "sasrnet_detect": detect_cases,
    "sasrnet_eval": eval_cases,
    "sasrnet_export": export_cases,
    "sasrnet_slim": slim_cases,
    "sasrnet_prune": prune_cases,
    "sasrnet_finetune": finetune_cases,
}


def test_the_suite_is_large_enough(world, tmp_path):
    count = sum(len(build(world, tmp_path)) for build in CASES.values())
    assert count >= 80, count


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
