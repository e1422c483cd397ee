import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import conseal
import numpy as np
import pytest
import skimage.data

from keras_sasrnet.data import embed, images, jpeg, parallel, prepare
from keras_sasrnet.data.manifest import Manifest
from tests.binaries import run_binary


@pytest.fixture
def covers(cover_folder, tmp_path):
    out = tmp_path / "covers"
    prepare.prepare_dataset(
        str(cover_folder), str(out), split=(0.5, 0.25, 0.25), workers=1, progress=False
    )
    return str(out)


def test_deterministic_per_seed_and_name(covers, tmp_path):
    a = embed.embed_dataset(
        covers, str(tmp_path / "a"), "hill", 0.4, seed=5, workers=1, progress=False
    )
    b = embed.embed_dataset(
        covers, str(tmp_path / "b"), "hill", 0.4, seed=5, workers=2, progress=False
    )
    assert [f["sha256"] for f in a.files] == [f["sha256"] for f in b.files]
    c = embed.embed_dataset(
        covers, str(tmp_path / "c"), "hill", 0.4, seed=6, workers=1, progress=False
    )
    assert all(
        x["sha256"] != y["sha256"] for x, y in zip(a.files, c.files, strict=True)
    )
    assert embed.image_seed(5, "img00.pgm") != embed.image_seed(5, "img01.pgm")
    assert all("warnings" not in f for f in a.files)
    # The same cover content under two names gets two different stegos.
    pixels = images.read_gray(os.path.join(covers, "img00.pgm"))
    one = embed.SPATIAL["hill"](pixels, 0.4, embed.image_seed(5, "img00.pgm"))
    two = embed.SPATIAL["hill"](pixels, 0.4, embed.image_seed(5, "copy.pgm"))
    assert not np.array_equal(one, two)


def test_change_rates_in_expected_range(covers, tmp_path):
    lsbm = embed.embed_dataset(
        covers, str(tmp_path / "l"), "lsbm", 0.4, workers=1, progress=False
    )
    rate = np.mean([f["change_rate"] for f in lsbm.files])
    assert rate == pytest.approx(0.2, abs=0.02)  # LSB matching: payload / 2
    hill = embed.embed_dataset(
        covers, str(tmp_path / "h"), "hill", 0.4, workers=1, progress=False
    )
    rates = [f["change_rate"] for f in hill.files]
    # Ternary adaptive embedding: far fewer changes than LSBM, never none.
    assert 0.03 < np.mean(rates) < 0.15 and min(rates) > 0
    for f in hill.files:
        stego = images.read_gray(str(tmp_path / "h" / f["name"])).astype(int)
        cover = images.read_gray(os.path.join(covers, f["name"])).astype(int)
        assert np.abs(stego - cover).max() == 1


def test_flat_image_is_flagged(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    images.write_gray(str(src / "flat.pgm"), np.full((16, 16), 90, np.uint8))
    covers = str(tmp_path / "c")
    prepare.prepare_dataset(
        str(src), covers, split=(1.0, 0.0, 0.0), workers=1, progress=False
    )
    m = embed.embed_dataset(
        covers, str(tmp_path / "h"), "hill", 0.4, workers=1, progress=False
    )
    assert m.files[0]["changes"] == 0
    assert "stego identical to cover: no change made" in m.files[0]["warnings"]
    # The command's summary says so too, not only the manifest.
    result = run_binary(
        "sasrnet_embed",
        f"--covers={covers}",
        f"--out={tmp_path / 'h2'}",
        "--algorithm=hill",
        "--payload=0.4",
    )
    assert result.code == 0, result.stderr[-2000:]
    assert "1 stegos identical to their cover" in result.stdout


def test_jpeg_algorithms_and_failures_reported(tmp_path, photo):
    src = tmp_path / "src"
    src.mkdir()
    for k in range(3):
        images.write_gray(
            str(src / f"p{k}.pgm"), np.ascontiguousarray(photo[k : k + 32, :32])
        )
    images.write_gray(str(src / "flat.pgm"), np.full((32, 32), 100, np.uint8))
    covers = str(tmp_path / "q75")
    prepare.prepare_dataset(
        str(src),
        covers,
        jpeg_quality=75,
        split=(1.0, 0.0, 0.0),
        workers=1,
        progress=False,
    )
    for algorithm in ("uerd", "juniward", "nsf5"):
        m = embed.embed_dataset(
            covers, str(tmp_path / algorithm), algorithm, 0.4, workers=2, progress=False
        )
        assert sorted(m.names()) == ["p0.jpg", "p1.jpg", "p2.jpg"], algorithm
        # No non-zero AC coefficient to embed in: skipped, not failed.
        assert m.skipped == {
            "flat.jpg": "no non-zero AC coefficient: cannot carry a payload"
        }
        assert not m.failed
        assert all(0 < f["change_rate"] < 0.1 for f in m.files)
        assert Manifest.load(str(tmp_path / algorithm)).skipped == m.skipped


def fewest_changes(bits, n):
    """The fewest expected changes that carry ``bits`` in ``n`` elements with
    +-1 changes: n * beta where the ternary entropy h(beta) = bits / n."""
    lo, hi = 0.0, 2 / 3
    for _ in range(60):
        beta = (lo + hi) / 2
        h = -beta * np.log2(beta / 2) - (1 - beta) * np.log2(1 - beta)
        lo, hi = (beta, hi) if h < bits / n else (lo, beta)
    return n * lo


@pytest.fixture(scope="module")
def four_covers(tmp_path_factory):
    """Four 32x32 crops of a photograph: a spatial set and its JPEG q75."""
    root = tmp_path_factory.mktemp("four")
    camera = skimage.data.camera()
    for k in range(4):
        crop = camera[100:132, 100 + 32 * k : 132 + 32 * k]
        images.write_gray(str(root / f"c{k}.pgm"), np.ascontiguousarray(crop))
    for name, quality in (("spatial", None), ("jpeg", 75)):
        prepare.prepare_dataset(
            str(root),
            str(root / name),
            jpeg_quality=quality,
            split=(1.0, 0.0, 0.0),
            workers=1,
            progress=False,
        )
    return root


@pytest.mark.parametrize("algorithm", ["hugo", "suniward", "wow", "mipod", "ebs"])
def test_algorithms_change_by_one_at_the_payload(algorithm, four_covers, tmp_path):
    jpg = algorithm == "ebs"
    covers = str(four_covers / ("jpeg" if jpg else "spatial"))

    def read(path):  # DCT coefficients or pixels
        return jpeg.read_coefficients(path)[0] if jpg else images.read_gray(path)

    m = embed.embed_dataset(
        covers, str(tmp_path / "a"), algorithm, 0.4, seed=3, workers=1, progress=False
    )
    assert not m.failed and not m.skipped and len(m.files) == 4
    changes = bits = elements = 0
    for f in m.files:
        cover = read(os.path.join(covers, f["name"]))
        stego = read(str(tmp_path / "a" / f["name"]))
        diff = stego.astype(int) - cover.astype(int)
        assert diff.any() and set(np.unique(diff)) <= {-1, 0, 1}, f["name"]
        assert f["changes"] == np.count_nonzero(diff)
        assert f["seed"] == embed.image_seed(3, f["name"])
        if jpg:  # payload in bits per non-zero AC coefficient
            bits += 0.4 * embed.nonzero_ac(cover)
            elements += cover.size * 60 // 64  # EBS never changes 4 modes
            assert not diff[::8, ::8].any()  # the DC terms among them
        else:  # bits per pixel; the algorithm is conseal's of that name
            bits += 0.4 * cover.size
            elements += cover.size
            simulate = getattr(conseal, algorithm).simulate_single_channel
            np.testing.assert_array_equal(stego, simulate(cover, 0.4, seed=f["seed"]))
        changes += f["changes"]
    # Between the fewest +-1 changes that can carry the payload (20 % slack:
    # four tiny images) and payload / 2 (a change carries >= 2 bits).
    assert 0.8 * fewest_changes(bits, elements) < changes < bits / 2
    b = embed.embed_dataset(
        covers, str(tmp_path / "b"), algorithm, 0.4, seed=3, workers=2, progress=False
    )
    assert b.files == m.files  # same seed, any worker count: the same stegos
    c = embed.embed_dataset(
        covers, str(tmp_path / "c"), algorithm, 0.4, seed=4, workers=1, progress=False
    )
    assert all(
        x["sha256"] != y["sha256"] for x, y in zip(m.files, c.files, strict=True)
    )


def test_input_errors(covers, tmp_path):
    with pytest.raises(ValueError, match="unknown embedding algorithm 'f5'"):
        embed.embed_dataset(covers, str(tmp_path / "x"), "f5", 0.4)
    with pytest.raises(ValueError, match="uerd embeds into jpeg covers"):
        embed.embed_dataset(covers, str(tmp_path / "x"), "uerd", 0.4)
    with pytest.raises(ValueError, match=r"payload must be in \(0, 1\]"):
        embed.embed_dataset(covers, str(tmp_path / "x"), "hill", 1.5)
    with pytest.raises(FileNotFoundError, match="has no manifest.json"):
        embed.embed_dataset(str(tmp_path), str(tmp_path / "x"), "hill", 0.4)


# sasrnet_embed with one cover that never finishes embedding (as a stalled
# read would): the kill lands mid-run however fast the machine is, after
# every other stego is written.
HELD_RUN = """
import os, sys, time
from keras_sasrnet.bin import sasrnet_embed
from keras_sasrnet.data import embed
real = embed.embed_array
def held(algorithm, cover, *args):
    if os.path.basename(cover) == {held!r}:
        time.sleep(3600)
    return real(algorithm, cover, *args)
embed.embed_array = held  # workers are forked: they see it too
sys.argv[0] = "sasrnet_embed"
sasrnet_embed.entry()
"""


def test_interrupted_run_resumes_to_identical_files(covers, tmp_path):
    names = Manifest.load(covers).names()
    held, written = names[-1], sorted(names[:-1])
    reference = embed.embed_dataset(
        covers, str(tmp_path / "ref"), "hill", 0.4, workers=1, progress=False
    )
    out = str(tmp_path / "cut")
    partial = out + ".partial"  # a new set is built there, renamed when done
    log = tmp_path / "embed.log"

    def said():
        return f"sasrnet_embed said:\n{log.read_text()[-3000:]}"

    def stegos():
        if not os.path.isdir(partial):
            return []
        return sorted(n for n in os.listdir(partial) if n.endswith(".pgm"))

    with open(log, "w") as f:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                HELD_RUN.format(held=held),
                f"--covers={covers}",
                f"--out={out}",
                "--algorithm=hill",
                "--workers=2",
            ],
            stdout=f,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300  # ends as soon as the stegos are there
        while (
            stegos() != written
            and process.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert process.poll() is None, said()  # still running, held at the last
        assert stegos() == written, said()
    finally:
        with contextlib.suppress(ProcessLookupError):  # ended on its own
            os.killpg(process.pid, signal.SIGKILL)  # kill -9, workers included
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not os.path.exists(out)  # really cut short: no half-made set at out
    assert not os.path.exists(os.path.join(partial, "manifest.json"))
    before = {n: os.stat(os.path.join(partial, n)) for n in written}
    resumed = embed.embed_dataset(covers, out, "hill", 0.4, workers=1, progress=False)
    assert not os.path.exists(partial)
    # The stegos of the killed run are kept as they are (same inode: an
    # atomic rewrite would make a new file), only the held one is made.
    for name, stat in before.items():
        now = os.stat(os.path.join(out, name))
        assert (now.st_ino, now.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns), name
    assert resumed.files == reference.files
    assert sorted(os.listdir(out)) == sorted(os.listdir(tmp_path / "ref"))
    for name in names:
        with open(os.path.join(out, name), "rb") as a:
            with open(tmp_path / "ref" / name, "rb") as b:
                assert a.read() == b.read(), name


def test_cover_of_another_size_than_its_set_is_failed_by_name(tmp_path):
    # A 256x256 set once took 7x7, 255x255 and 200x256 covers silently.
    src = tmp_path / "src"
    src.mkdir()
    rng = np.random.default_rng(0)
    for k in range(4):
        images.write_gray(
            str(src / f"c{k}.pgm"), rng.integers(0, 256, (16, 16), np.uint8)
        )
    covers = str(tmp_path / "c")
    prepare.prepare_dataset(
        str(src), covers, split=(1.0, 0.0, 0.0), workers=1, progress=False
    )
    images.write_gray(  # replaced by hand after preparation
        os.path.join(covers, "c3.pgm"), rng.integers(0, 256, (7, 7), np.uint8)
    )
    m = embed.embed_dataset(
        covers, str(tmp_path / "s"), "lsbm", 0.4, workers=1, progress=False
    )
    assert sorted(m.names()) == ["c0.pgm", "c1.pgm", "c2.pgm"]
    assert "c3.pgm" in m.failed["c3.pgm"] and "16" in m.failed["c3.pgm"]


def test_a_stego_damaged_by_hand_is_redone_on_rerun(covers, tmp_path):
    out = str(tmp_path / "stegos")
    first = embed.embed_dataset(covers, out, "lsbm", 1.0, workers=1, progress=False)
    name = first.files[0]["name"]
    path = os.path.join(out, name)
    with open(path, "rb") as f:
        original = f.read()
    with open(path, "wb") as f:
        f.write(original[: len(original) // 3])  # truncated
    again = embed.embed_dataset(covers, out, "lsbm", 1.0, workers=1, progress=False)
    assert not again.failed
    assert again.files == first.files
    with open(path, "rb") as f:
        assert f.read() == original


def test_a_stego_replaced_by_its_cover_or_another_image_is_redone(covers, tmp_path):
    """A rerun keeps only stegos that are still what the set recorded."""
    out = str(tmp_path / "stegos")
    first = embed.embed_dataset(covers, out, "lsbm", 1.0, workers=1, progress=False)
    a, b = (os.path.join(out, f["name"]) for f in first.files[:2])
    originals = [open(p, "rb").read() for p in (a, b)]
    with open(os.path.join(covers, first.files[0]["name"]), "rb") as f:
        open(a, "wb").write(f.read())  # the stego overwritten by its cover
    open(b, "wb").write(open(os.path.join(out, first.files[2]["name"]), "rb").read())
    again = embed.embed_dataset(covers, out, "lsbm", 1.0, workers=1, progress=False)
    assert again.files == first.files and not again.failed
    assert [open(p, "rb").read() for p in (a, b)] == originals


def test_covers_rebuilt_with_other_content_invalidate_their_stegos(
    cover_folder, tmp_path
):
    """Same names, same size, other pixels: the stegos of the old covers are
    refused (not kept, as they were when only the covers' path was recorded);
    --overwrite makes them again from the new covers."""
    covers, out = str(tmp_path / "covers"), str(tmp_path / "stegos")
    split = (0.5, 0.25, 0.25)
    prepare.prepare_dataset(str(cover_folder), covers, split=split, progress=False)
    embed.embed_dataset(covers, out, "lsbm", 1.0, workers=1, progress=False)
    other = tmp_path / "other"
    other.mkdir()
    for name in sorted(os.listdir(cover_folder)):
        if name.endswith(".pgm"):
            pixels = images.read_gray(os.path.join(cover_folder, name))
            images.write_gray(str(other / name), 255 - pixels)  # other content
    prepare.prepare_dataset(
        str(other), covers, split=split, progress=False, overwrite=True
    )
    with pytest.raises(ValueError, match="other settings .*cover_content"):
        embed.embed_dataset(covers, out, "lsbm", 1.0, workers=1, progress=False)
    # A set from before the covers' content was recorded is refused too: its
    # stegos are not within +-1 of the covers now in place.
    _forget_cover_content(out)
    with pytest.raises(ValueError, match="other settings .*cover_content"):
        embed.embed_dataset(covers, out, "lsbm", 1.0, workers=1, progress=False)
    again = embed.embed_dataset(
        covers, out, "lsbm", 1.0, workers=1, progress=False, overwrite=True
    )
    for f in again.files:  # every stego is now its new cover +-1
        cover = images.read_gray(os.path.join(covers, f["name"])).astype(int)
        stego = images.read_gray(os.path.join(out, f["name"])).astype(int)
        assert np.abs(stego - cover).max() <= 1
    # ... and such an older set whose covers did not change is adopted as it is
    _forget_cover_content(out)
    before = {f: os.stat(os.path.join(out, f)).st_mtime_ns for f in os.listdir(out)}
    kept = embed.embed_dataset(covers, out, "lsbm", 1.0, workers=1, progress=False)
    assert kept.files == again.files
    with open(os.path.join(out, "settings.json")) as f:
        assert "cover_content" in json.load(f)
    for name, mtime in before.items():
        if name.endswith(".pgm"):
            assert os.stat(os.path.join(out, name)).st_mtime_ns == mtime


def _forget_cover_content(out):
    """Makes ``out`` look like a stego set from before the cover digest."""
    path = os.path.join(out, "settings.json")
    with open(path) as f:
        settings = json.load(f)
    del settings["cover_content"]
    with open(path, "w") as f:
        json.dump(settings, f)


def _running(pid):
    """Whether process ``pid`` exists and is not a zombie (ended, unreaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_end_with_a_killed_parent(tmp_path):
    pids = tmp_path / "pids"
    # parallel.py loaded from its file: the package's __init__ imports
    # TensorFlow (5 s), which neither the parent nor its workers use.
    code = (
        "import importlib.util, os, time\n"
        "spec = importlib.util.spec_from_file_location(\n"
        f"    'parallel', {parallel.__file__!r}\n"
        ")\n"
        "parallel = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(parallel)\n"
        "def slow(k):\n"
        f"    open(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close()\n"
        "    time.sleep(3600)  # longer than the test waits: ends only if killed\n"
        "    return k\n"
        "list(parallel.map_files(slow, list(range(8)), workers=2, chunksize=1))\n"
    )
    pids.mkdir()
    log = tmp_path / "parent.log"
    with open(log, "w") as f:
        parent = subprocess.Popen(
            [sys.executable, "-c", code], stdout=f, stderr=subprocess.STDOUT
        )
    workers = []
    try:
        deadline = time.monotonic() + 120  # ends as soon as both workers run
        while (
            len(os.listdir(pids)) < 2
            and parent.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        workers = [int(p) for p in os.listdir(pids)]
        assert len(workers) == 2, log.read_text()[-3000:]
        assert parent.poll() is None, log.read_text()[-3000:]
        parent.kill()  # kill -9 of the parent alone
        parent.wait()
        deadline = time.monotonic() + 120  # ends as soon as both are gone
        while any(map(_running, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p in workers if _running(p)]
    finally:
        parent.kill()
        parent.wait()
        for pid in workers:  # left by a failed check: ours, by their ids
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
