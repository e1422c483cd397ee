#!/usr/bin/env bash
# The GPU checks, under Keras on JAX (the lent GPU machine has no TensorFlow).
# Run from the repo root with, carried: .whl/ (wheels of keras, namex, optree,
# ml-collections for Python 3.12) and .gpu/ (precision.npz from
# `python -m benchmarks.precision.run --make_data`, entries.json from
# `benchmarks.latency.gpu`); see benchmarks/device/README.md. Results in $OUT.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
  --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH="$PWD:/tmp/site" KERAS_BACKEND=jax PYTHONUNBUFFERED=1
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # several processes share the GPU
LOG="$OUT/log.txt"
quiet() { grep -v "^I0000\|^W0000\|^WARNING: All log\|xla_bridge"; }
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import jax, keras; print(jax.__version__, jax.devices(), keras.__version__)"
} 2>&1 | quiet | tee "$LOG"
# 1. The engine's exactness tests in true float32 (tests/conftest.py sets it),
#    beside 2. training SRNet in float32, bfloat16 mixed precision and TF32.
(timeout "${PYTEST_S:-250}" python3 -m pytest -q -n 6 -p no:cacheprovider \
  tests/models tests/slimming > "$OUT/pytest.log" 2>&1) &
timeout "${PRECISION_S:-250}" python3 -m benchmarks.precision.run \
  --data=.gpu/precision.npz --steps="${STEPS:-4000}" --eval_every=500 \
  --modes=float32,mixed_bfloat16,tf32 --out=/tmp/precision 2>&1 | quiet \
  | grep -v "^|" | tee -a "$LOG"
cp /tmp/precision/rows.json "$OUT/precision.json"
wait
tail -3 "$OUT/pytest.log" | tee -a "$LOG"
# 3. Latency of Keras/JAX inference per SRNet widths (batch 1 and 64): shards
#    build and compile in parallel, then time in turns.
SHARDS=8
for k in $(seq 0 $((SHARDS - 1))); do
  timeout "${LATENCY_S:-230}" python3 -m benchmarks.latency.gpu \
    --entries=.gpu/entries.json --shard="$k" --shards=$SHARDS \
    --times=/tmp/times --build_for="${BUILD_S:-140}" 2>&1 | quiet \
    | grep "timed\|out of\|Error" | tee -a "$LOG" &
done
wait
python3 - "$OUT/gpu_times.json" <<'PY'
import glob, json, sys
shards = [json.load(open(p)) for p in sorted(glob.glob("/tmp/times/shard_*.json"))]
json.dump({"device": shards[0]["device"] if shards else None,
           "rows": [r for s in shards for r in s["rows"]]}, open(sys.argv[1], "w"))
print(len(shards), "shards timed")
PY
exit 0
