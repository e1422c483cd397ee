"""keras-sasrnet: slimming-assisted deep steganalysis detectors in Keras 3."""

import pathlib

import setuptools

HERE = pathlib.Path(__file__).parent
DOCS = ["mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.27"]
BINARIES = sorted(p.stem for p in (HERE / "bin").glob("sasrnet_*.py"))

setuptools.setup(
    name="keras-sasrnet",
    version="0.1.0",
    description=(
        "SRNet/XuNet steganalysis detectors with network slimming: sparsity "
        "training, dependency-aware channel pruning, exact rebuilds, export."
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    # bin/ holds the thin absl binaries; it is installed as keras_sasrnet.bin
    # so that each one also gets a console command of its own name.
    packages=setuptools.find_packages(include=["keras_sasrnet", "keras_sasrnet.*"])
    + ["keras_sasrnet.bin"],
    package_dir={"keras_sasrnet.bin": "bin"},
    install_requires=[
        "keras>=3.5",
        "tensorflow>=2.16",
        "numpy",
        "pillow",
        "absl-py",
        "ml-collections",
        "jpegio",
        "conseal",
        "scikit-image",
        "scikit-learn",
        "matplotlib",
        "ai-edge-litert",
        # .onnx export (Keras 3's model.export uses tf2onnx) and ONNX Runtime
        "onnx",
        "onnxruntime",
        "tf2onnx",
        "tensorboard",
        "tqdm",
    ],
    extras_require={
        # keras-hub: its CNN backbones are functional subclasses (tests/slimming);
        # jax: models and slimming are tested under the JAX backend too
        # docs: the site (mkdocs.yml), built --strict by the test command
        "test": ["pytest", "pytest-xdist", "ruff", "keras-hub", "jax", *DOCS],
        "docs": DOCS,
        "cuda": ["tensorflow[and-cuda]>=2.16"],
    },
    entry_points={
        "console_scripts": [f"{b}=keras_sasrnet.bin.{b}:entry" for b in BINARIES],
    },
)
