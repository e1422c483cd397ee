import pytest

from keras_sasrnet import precision


@pytest.fixture
def restore_precision():
    """Puts back true float32 (as tests/conftest.py set it) after a test."""
    yield
    precision.apply("float32")
