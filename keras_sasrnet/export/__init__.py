"""Deployment: SavedModel and TFLite (float32, float16, dynamic, int8)."""
