import csv
import json

import pytest

from keras_sasrnet import models
from keras_sasrnet.data import demo, embed
from keras_sasrnet.evaluation import detect, eval_report
from keras_sasrnet.models.io import save
from tests.binaries import run_binary, run_in_each_precision
from tests.conftest import randomize_bns


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    covers = demo.demo_covers(str(root / "covers"), size=32, stride=128)
    stegos = str(root / "stegos")
    embed.embed_dataset(covers, stegos, "lsbm", 1.0, progress=False)
    paths = {}
    for seed, name in enumerate(("full", "slim")):
        model = randomize_bns(models.xunet((32, 32, 1)), seed=seed)
        paths[name] = str(root / f"{name}.keras")
        save(model, paths[name])
        models.io.write_metadata(paths[name], {"domain": "spatial"})
    return root, covers, stegos, paths


def test_mismatch_tables_and_files(setup):
    root, covers, stegos, paths = setup
    out = root / "eval"
    result = run_binary(
        "sasrnet_eval",
        f"--models=full={paths['full']},slim={paths['slim']}",
        f"--sets=test={covers}:{stegos},val={covers}:{stegos}:val",
        f"--out={out}",
    )
    assert result.code == 0, result.stderr[-2000:]
    report = (out / "report.md").read_text()
    assert "| accuracy | test | val |" in report and "| auc | test | val |" in report
    table = report.split("## Accuracy (1 - P_E at 0.5)")[1].split("##")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert [r.split(" | ")[0] for r in rows] == ["| accuracy", "| full", "| slim"]
    results = json.loads((out / "results.json").read_text())
    assert {(r["model"], r["set"]) for r in results} == {
        (m, s) for m in ("full", "slim") for s in ("test", "val")
    }
    for name in ("roc_test.png", "roc_val.png", "scores_test.csv"):
        assert (out / name).stat().st_size > 100


def test_eval_and_detect_agree_on_every_image(setup):
    root, covers, stegos, paths = setup
    out = root / "agree"
    eval_report.write_evaluation(
        {"full": paths["full"]},
        {"t": (covers, stegos, "test")},
        str(out),
        log=lambda _: None,
    )
    rows = list(csv.DictReader((out / "scores_t.csv").open()))
    assert rows and {r["label"] for r in rows} == {"0", "1"}
    scored = {
        s.path: s.probability
        for s in detect.Detector(paths["full"]).score([r["file"] for r in rows])
    }
    for r in rows:
        assert scored[r["file"]] == pytest.approx(float(r["full"]), abs=1e-5)


def test_bad_arguments(setup, tmp_path):
    _, covers, stegos, paths = setup
    with pytest.raises(ValueError, match="name=covers:stegos"):
        eval_report.parse_sets(["justaname"])
    with pytest.raises(FileNotFoundError, match="no model file"):
        eval_report.parse_models(["x=/no/model.keras"])
    models.io.write_metadata(paths["slim"], {"domain": "jpeg"})
    try:
        with pytest.raises(ValueError, match="takes jpeg input"):
            eval_report.write_evaluation(
                {"slim": paths["slim"]},
                {"t": (covers, stegos, "test")},
                str(tmp_path / "never"),
                log=lambda _: None,
            )
        assert not (tmp_path / "never").exists()
    finally:
        models.io.write_metadata(paths["slim"], {"domain": "spatial"})


def test_eval_runs_in_float32(setup, restore_precision):
    root, covers, stegos, paths = setup
    # Without --precision it runs in true float32.
    outputs = run_in_each_precision(
        "sasrnet_eval",
        f"--models=full={paths['full']}",
        f"--sets=test={covers}:{stegos}",
        out=lambda tf32: root / f"eval_tf32_{tf32}",
    )
    for out in outputs.values():
        assert json.loads((out / "results.json").read_text())[0]["model"] == "full"


def test_eval_leaves_out_covers_without_stego_and_counts_them(setup, tmp_path):
    from keras_sasrnet.data.manifest import Manifest

    root, covers, stegos, paths = setup
    partial = Manifest.load(stegos)
    test_files = [f for f in partial.files if f["split"] == "test"]
    gone = test_files[0]
    partial.files = [f for f in partial.files if f is not gone]
    partial.skipped = {gone["name"]: "no non-zero AC coefficient"}
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    for f in partial.files:
        (fewer / f["name"]).symlink_to(f"{stegos}/{f['name']}")
    partial.save(str(fewer))
    result = run_binary(
        "sasrnet_eval",
        f"--models=full={paths['full']}",
        f"--sets=test={covers}:{fewer}:test",
        f"--out={tmp_path / 'eval'}",
    )
    assert result.code == 0, result.stderr[-2000:]
    n = len(test_files)
    assert (
        f"split 'test': 1 of {n} covers have no stego in {fewer} (1 skipped: "
        "cannot carry the payload; 0 failed; 0 not embedded)" in result.stdout
    )
    rows = json.loads((tmp_path / "eval" / "results.json").read_text())
    assert rows[0]["pairs"] == n - 1  # scored on the remaining pairs
