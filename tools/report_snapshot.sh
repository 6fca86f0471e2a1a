#!/usr/bin/env bash
# Writes every report slqsim makes on the shipped model into DIR: `run` in each --sim-mode on three
# configurations (summary.json, layers.csv, stats.txt, .npy dumps), a `run` waveform, and three
# `compare` waveforms and timelines. Two snapshots made by two builds, compared with
# `diff -r DIR1 DIR2` (ignore *.stdout for wall times and paths), show what a change did to the
# reports: a refactoring must leave them identical.
#   tools/report_snapshot.sh build/slqsim /tmp/before
set -euo pipefail
B=$(realpath "$1"); O=$2; M=$(dirname "$0")/../data/lenet_fmnist.onnx
mkdir -p "$O"
for mode in fast per-cycle model; do
  "$B" run --model "$M" --images 40 --calibration-images 64 --reproducible --sim-mode $mode \
      --report-dir "$O/def_$mode" --dump-dir "$O/dump_def_$mode" -q > "$O/def_$mode.stdout" 2>&1
  "$B" run --model "$M" --images 20 --calibration-images 32 --reproducible --sim-mode $mode --lanes 8 \
      --bits-per-cycle 2 --fields-per-cycle 2 --mem-word-bits 16 --theta 0 --fifo-depth 1 \
      --report-dir "$O/alt_$mode" -q > "$O/alt_$mode.stdout" 2>&1
  "$B" run --model "$M" --images 20 --calibration-images 32 --reproducible --sim-mode $mode --lanes 5 \
      --bits-per-cycle 8 --fields-per-cycle 3 --mem-word-bits 24 --sng lfsr --acc-bits 12 --encodings special,tag \
      --report-dir "$O/lfsr_$mode" -q > "$O/lfsr_$mode.stdout" 2>&1
done
"$B" run --model "$M" --images 2 --calibration-images 16 --reproducible --vcd "$O/run.vcd" --window 100:3000 \
    --report-dir "$O/vcd_run" -q > "$O/vcd.stdout" 2>&1
"$B" compare --model "$M" --layer 0_Conv --vcd "$O/cmp.vcd" --timeline "$O/cmp.csv" --window 0:2000 > "$O/cmp.stdout" 2>&1
"$B" compare --model "$M" --layer 7_Gemm --bits-per-cycle 16 --theta 0 --vcd "$O/cmp2.vcd" --timeline "$O/cmp2.csv" \
    --window 0:500 > "$O/cmp2.stdout" 2>&1
"$B" compare --synthetic 6x40 --vcd "$O/cmp3.vcd" --timeline "$O/cmp3.csv" > "$O/cmp3.stdout" 2>&1
echo "snapshot in $O"
