"""Loading model files: a corrupt one is named, with what is wrong."""

import zipfile

import pytest

from keras_sasrnet import models
from keras_sasrnet.models.io import save


def test_corrupt_model_files_are_named_with_the_reason(tmp_path):
    good = tmp_path / "ok.keras"
    save(models.xunet((16, 16, 1)), str(good))
    truncated = tmp_path / "trunc.keras"
    truncated.write_bytes(good.read_bytes()[:500])
    with pytest.raises(ValueError, match=f"{truncated}: not a .keras file"):
        models.load(str(truncated))  # Keras itself said "File not found"
    broken = tmp_path / "badcfg.keras"
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(broken, "w") as w:
        for name in z.namelist():
            w.writestr(name, b"{not json" if name == "config.json" else z.read(name))
    with pytest.raises(ValueError, match=f"{broken}: corrupt model config"):
        models.load(str(broken))
    with pytest.raises(FileNotFoundError, match="no model file at"):
        models.load(str(tmp_path / "none.keras"))
