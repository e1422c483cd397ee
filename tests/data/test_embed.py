import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from keras_sasrnet.data import embed, images, prepare
from keras_sasrnet.data.manifest import Manifest


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
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_sasrnet.bin.sasrnet_embed",
            f"--covers={covers}",
            f"--out={tmp_path / 'h2'}",
            "--algorithm=hill",
            "--payload=0.4",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
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


def test_input_errors(covers, tmp_path):
    with pytest.raises(ValueError, match="unknown embedding algorithm 'f5'"):
        embed.embed_dataset(covers, str(tmp_path / "x"), "f5", 0.4)
    with pytest.raises(ValueError, match="uerd embeds into jpeg covers"):
        embed.embed_dataset(covers, str(tmp_path / "x"), "uerd", 0.4)
    with pytest.raises(ValueError, match=r"payload must be in \(0, 1\]"):
        embed.embed_dataset(covers, str(tmp_path / "x"), "hill", 1.5)
    with pytest.raises(FileNotFoundError, match="has no manifest.json"):
        embed.embed_dataset(str(tmp_path), str(tmp_path / "x"), "hill", 0.4)


def test_interrupted_run_resumes_to_identical_files(tmp_path):
    covers = str(tmp_path / "demo")
    from keras_sasrnet.data import demo

    demo.demo_covers(covers, size=32)
    reference = embed.embed_dataset(
        covers,
        str(tmp_path / "ref"),
        "hill",
        0.4,
        split="test",
        workers=2,
        progress=False,
    )
    out = str(tmp_path / "cut")
    command = [
        sys.executable,
        "-m",
        "keras_sasrnet.bin.sasrnet_embed",
        f"--covers={covers}",
        f"--out={out}",
        "--algorithm=hill",
        "--split=test",
        "--workers=2",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    partial = out + ".partial"  # a new set is built there, renamed when done
    deadline = time.time() + 120
    while time.time() < deadline and (
        not os.path.isdir(partial) or len(os.listdir(partial)) < 50
    ):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # kill -9, workers included
    process.wait()
    assert not os.path.exists(out)  # really cut short: no half-made set at out
    assert not os.path.exists(os.path.join(partial, "manifest.json"))
    resumed = embed.embed_dataset(
        covers, out, "hill", 0.4, split="test", workers=2, progress=False
    )
    assert not os.path.exists(partial)
    assert resumed.files == reference.files
    assert sorted(os.listdir(out)) == sorted(os.listdir(tmp_path / "ref"))


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


def test_workers_end_with_a_killed_parent(tmp_path):
    pids = tmp_path / "pids"
    code = (
        "import os, time\n"
        "from keras_sasrnet.data.parallel import map_files\n"
        "def slow(k):\n"
        f"    open(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close()\n"
        "    time.sleep(60)\n"
        "    return k\n"
        "list(map_files(slow, list(range(8)), workers=2, chunksize=1))\n"
    )
    pids.mkdir()
    parent = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 60
    while time.time() < deadline and len(os.listdir(pids)) < 2:
        time.sleep(0.1)
    workers = [int(p) for p in os.listdir(pids)]
    assert len(workers) == 2
    parent.kill()  # kill -9 of the parent alone
    parent.wait()
    deadline = time.time() + 10
    alive = workers
    while time.time() < deadline and alive:
        alive = [p for p in workers if os.path.exists(f"/proc/{p}")]
        time.sleep(0.1)
    assert not alive
