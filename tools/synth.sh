#!/usr/bin/env bash
# tools/synth.sh [--check]: synthesizes the RTL blocks of rtl/ with Yosys (docs/rtl.md) and writes
# docs/rtl_synth.csv: for each block, format and parameter point, the cells after technology-
# independent synthesis (synth; flip-flops legalized to plain D flip-flops, their enables and
# resets becoming logic; abc), the flip-flops among them, and the transistor estimate of
# `stat -tech cmos` (Yosys' CMOS cost of each gate and flip-flop).
# Yosys and ABC are deterministic: the script reproduces the committed table exactly.
# --check: write to a temporary file and compare with the committed table instead.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/rtl_synth.csv
check=0
[ "${1:-}" = "--check" ] && check=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# synth_one BLOCK FORMAT_NAME SOURCE TOP PARAM=VALUE...: one row of the table.
synth_one() {
  local block=$1 fname=$2 src=$3 top=$4
  shift 4
  local chparams="" kv
  for kv in "$@"; do chparams+="chparam -set ${kv%%=*} ${kv#*=} $top; "; done
  yosys -q -l "$tmp/log" -p "read_verilog -sv $src; $chparams synth -top $top; \
      dfflegalize -cell \$_DFF_P_ x; abc; opt_clean; tee -o $tmp/stat stat; tee -o $tmp/cmos stat -tech cmos" \
      >/dev/null
  local cells ffs tr
  cells=$(awk '/Number of cells:/ {print $4}' "$tmp/stat")
  ffs=$(awk '$1 == "$_DFF_P_" {print $2}' "$tmp/stat")
  tr=$(awk '/Estimated number of transistors:/ {print $5}' "$tmp/cmos")
  case "$tr" in *+) echo "synth.sh: $block $fname: a cell without a CMOS cost ($tr)" >&2; exit 1 ;; esac
  local params
  params=$(printf '%s ' "$@")
  echo "$block,$fname,\"${params% }\",$cells,${ffs:-0},$tr"
}

{
  echo "block,format,parameters,cells,flip_flops,transistors"
  formats=(tag special lq linear)
  for b in 4 5 6; do
    for f in 0 1 2 3; do
      synth_one stream_decoder "${formats[$f]}" rtl/stream_decoder.sv stream_decoder \
        FORMAT=$f B=$b N=8 W=32 L=2 F=1
    done
  done
  # One SC MAC lane (its stream generator and counter; N = 8) and, for comparison, an 8-bit
  # binary multiply-accumulate with the same saturating accumulator.
  sngs=(ld lfsr)
  for a in 16 24; do
    for bpc in 1 4; do
      for s in 0 1; do
        synth_one sc_mac_lane "${sngs[$s]}" rtl/sc_mac_lane.sv sc_mac_lane SNG=$s N=8 B=$bpc A=$a
      done
    done
    synth_one bin_mac binary rtl/bin_mac.sv bin_mac WB=8 AB=8 A=$a
  done
  # The controller's term down-counter (N = 8: terms of up to 255 bits), B = 1 and 4.
  for bpc in 1 4; do
    synth_one term_counter - rtl/term_counter.sv term_counter N=8 B=$bpc
  done
  # The reused-LogQuant SLQ encoder at b = 4, 5, 6 (the format is in its configuration ports:
  # one circuit for tag, special and lq).
  for b in 4 5 6; do
    synth_one slq_encoder - rtl/slq_encoder.sv slq_encoder B=$b
  done
  # Its stream packer per format (tag, special, lq) at b = 4, 5, 6, W = 32.
  for b in 4 5 6; do
    for f in 0 1 2; do
      synth_one stream_packer "${formats[$f]}" rtl/stream_packer.sv stream_packer FORMAT=$f B=$b W=32
    done
  done
} > "$tmp/table.csv"

if [ $check -eq 1 ]; then
  diff -u "$out" "$tmp/table.csv" && echo "synth.sh: $out reproduced exactly"
else
  cp "$tmp/table.csv" "$out"
  cat "$out"
fi
