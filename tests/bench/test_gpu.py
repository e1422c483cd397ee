import keras
import pytest

from benchmarks.harness import bench_report, gpu


def test_no_gpu_means_a_skipped_section():
    assert gpu.gpu_benchmarks(devices=[]) == []
    assert bench_report.gpu_table([]) == "Skipped: no GPU on this machine."


@pytest.mark.slow
def test_every_setting_runs_on_a_given_device():
    """The GPU code path on CPU, in its costliest setting: mixed precision + XLA."""
    settings = [gpu.SETTINGS[3]]
    results = gpu.gpu_benchmarks(
        size=32,
        pairs_per_gpu=2,
        steps=1,
        width_scale=1 / 8,
        devices=["/cpu:0"],
        settings=settings,
    )
    assert [r["setting"] for r in results] == ["mixed float16 + XLA"]
    assert all(r["devices"] == 1 and r["images_per_s"] > 0 for r in results)
    assert keras.mixed_precision.global_policy().name == "float32"  # restored
    assert "| mixed float16 + XLA | 1 |" in bench_report.gpu_table(results)
