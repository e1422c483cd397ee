"""Deployment: SavedModel and TFLite (float32, float16, dynamic, int8)."""

from keras_sasrnet._lazy import exports

# What a user calls, by the module that defines it (imported on first use;
# the modules themselves stay ``keras_sasrnet.<package>.<module>``).
__all__, __getattr__ = exports(
    __name__,
    {
        "export_savedmodel": "convert",
        "export_tflite": "convert",
        "export_onnx": "convert",
        "file_latencies": "latency",
        "litert_latency": "latency",
        "export_all": "parity",
    },
)
