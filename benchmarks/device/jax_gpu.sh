#!/usr/bin/env bash
# GPU checks under Keras on JAX (the lent GPU machine has no TensorFlow).
# Run from the repo root with wheels for keras, namex and optree in .whl/
# (see benchmarks/device/README.md); results land in $OUT.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
  --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH="$PWD:/tmp/site" KERAS_BACKEND=jax PYTHONUNBUFFERED=1
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # several test processes share the GPU
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import jax, keras; print(jax.devices(), keras.__version__)" | tee -a "$OUT/gpu.txt"
# 1. The engine's tests, all of them (the `big` ones too), TensorFlow absent.
timeout 240 python3 -m pytest -q -n 6 -p no:cacheprovider tests/models tests/slimming \
  2>&1 | tail -30 | tee "$OUT/pytest.log"
# 2. round_to on the GPU: inference and training throughput.
mkdir -p "$OUT/round_to"
timeout 200 python3 -m benchmarks.round_to.run --target=gpu --device="$(nvidia-smi \
  --query-gpu=name --format=csv,noheader | head -1)" --out="$OUT/round_to" \
  2>&1 | grep -v "^I0000\|^W0000" | tail -20
# 3. Every keras.applications family on JAX/GPU, as long as time allows.
mkdir -p "$OUT/applications"
timeout 150 python3 -m benchmarks.applications.run --out="$OUT/applications" \
  2>&1 | grep "^{" | cut -c1-300
exit 0
