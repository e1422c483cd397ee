#!/bin/bash
# The paper's JPEG setting as a user runs it (issue 18), end to end on CPU:
# photo tiles -> JPEG QF 75 covers -> UERD stegos (and J-UNIWARD for the
# mismatch test) -> the demo's slimming schedule (XuNet) -> evaluation ->
# export. Every step is resumable; the logs go to $W/log.txt.
#
#   bash benchmarks/jpeg/run.sh [WORKDIR] [PAYLOAD]
#   (python -m benchmarks.jpeg.run runs it, then writes rows.json and README.md)
#
# PAYLOAD is in bits per non-zero AC coefficient (default 1.0: at the paper's
# 0.4 the demo budget learned nothing, issue 18).
set -euo pipefail
W=${1:-work/jpeg}
P=${2:-1.0}
mkdir -p "$W"
exec > >(tee -a "$W/log.txt") 2>&1
date
sasrnet_prepare --src=photos --out="$W/photos64" --crop=64
sasrnet_prepare --src="$W/photos64" --out="$W/q75" --jpeg_quality=75 \
    --split=20,5,10 --group_by='^(.*)_\d+_\d{4}_\d{4}\.pgm$'
sasrnet_embed --covers="$W/q75" --out="$W/q75_uerd_$P" --algorithm=uerd --payload="$P"
sasrnet_embed --covers="$W/q75" --out="$W/q75_juniward_$P" --algorithm=juniward \
    --payload="$P" --split=test
sasrnet_slim --config=configs/demo.py --workdir="$W/slim" \
    --config.data.demo.use=False --config.data.covers="$W/q75" \
    --config.data.stegos="$W/q75_uerd_$P"
sasrnet_eval --models="full=$W/slim/baseline/best.keras,slim=$W/slim/round_1/model.keras" \
    --sets="uerd=$W/q75:$W/q75_uerd_$P:test,juniward=$W/q75:$W/q75_juniward_$P:test" \
    --out="$W/eval"
sasrnet_export --model="$W/slim/round_1/model.keras" --out="$W/export" \
    --covers="$W/q75" --stegos="$W/q75_uerd_$P"
# Keep the run's JSON beside the script; run.py makes rows.json and the
# README from them.
HERE=$(dirname "$0")
cp "$W/slim/table5.json" "$HERE/table5.json"
cp "$W/eval/results.json" "$HERE/eval.json"
cp "$W/export/parity.json" "$HERE/parity.json"
date
