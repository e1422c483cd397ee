import json

from keras_sasrnet import models
from keras_sasrnet.data import demo, embed
from keras_sasrnet.models.io import save
from tests.binaries import run_binary
from tests.conftest import randomize_bns


def test_export_binary_writes_every_format_and_a_parity_report(tmp_path):
    covers = demo.demo_covers(str(tmp_path / "covers"), size=32, stride=128)
    stegos = str(tmp_path / "stegos")
    embed.embed_dataset(covers, stegos, "lsbm", 1.0, progress=False)
    model_path = str(tmp_path / "m.keras")
    save(randomize_bns(models.xunet((32, 32, 1))), model_path)
    models.io.write_metadata(model_path, {"domain": "spatial"})
    out = tmp_path / "export"
    result = run_binary(
        "sasrnet_export",
        f"--model={model_path}",
        f"--out={out}",
        f"--covers={covers}",
        f"--stegos={stegos}",
        "--modes=float32,int8",
        "--calibration_pairs=20",
    )
    assert result.code == 0, result.stderr[-2000:]
    rows = {r["format"]: r for r in json.loads((out / "parity.json").read_text())}
    assert set(rows) == {
        "keras",
        "savedmodel",
        "onnx",
        "tflite float32",
        "tflite int8",
    }
    for name in ("onnx", "tflite float32"):
        assert rows[name]["max_abs_logit_diff"] < 1e-4, name
        assert rows[name]["decision_agreement"] == 1.0, name
    # int8 weights are a quarter of float32's, bar the float stem and biases
    ratio = rows["tflite float32"]["weight_bytes"] / rows["tflite int8"]["weight_bytes"]
    assert 3 < ratio <= 4
    assert "| tflite int8 |" in (out / "parity.md").read_text()
    for name in (
        "savedmodel/sasrnet.json",
        "model_int8.tflite.json",
        "model.onnx.json",
    ):
        assert json.loads((out / name).read_text())["domain"] == "spatial"


def test_export_binary_rejects_an_unknown_mode(tmp_path):
    out = tmp_path / "out"
    result = run_binary(
        "sasrnet_export",
        f"--model={tmp_path / 'm.keras'}",
        f"--out={out}",
        f"--covers={tmp_path / 'c'}",
        f"--stegos={tmp_path / 's'}",
        "--modes=int4",
    )
    assert result.code == 2
    assert "'int4' is not one of" in result.stderr
    assert not out.exists()


def test_export_with_a_missing_cover_set_writes_nothing(tmp_path):
    path = tmp_path / "m.keras"
    save(models.xunet((16, 16, 1)), str(path))
    out = tmp_path / "out"
    missing = tmp_path / "nonexistent"
    result = run_binary(
        "sasrnet_export",
        f"--model={path}",
        f"--out={out}",
        f"--covers={missing}",
        f"--stegos={tmp_path / 'nonexistent2'}",
    )
    assert result.code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
    assert str(missing) in result.stderr
    assert not out.exists()  # the SavedModel used to be written first
