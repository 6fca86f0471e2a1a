#!/usr/bin/env bash
# run --jobs: the speed of N worker processes against one, and that their reports are the same.
# Runs `slqsim run --reproducible` over the first IMAGES test images with --jobs 1 and --jobs N,
# interleaved, RUNS times each; prints the median wall seconds, the speed-up and whether every
# report (summary.json, layers.csv, stats.txt, state.json) is byte-identical. docs/performance.md.
#
#   bench/bench_jobs.sh [--model M.onnx] [--images 10000] [--runs 3] [--jobs 2] [--sim-mode fast]
#
# BUILD_DIR (default build) selects the build tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
model="$root/data/resnet_fmnist.onnx" images=10000 runs=3 jobs=2 mode=fast
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --images) images="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --sim-mode) mode="$2"; shift 2 ;;
    *) echo "bench_jobs.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$build/slqsim" ] || { cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null; ninja -C "$build" slqsim >&2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
declare -a one many
for ((r = 0; r < runs; ++r)); do
  for j in 1 "$jobs"; do
    start=$(date +%s.%N)
    "$build/slqsim" run --model "$model" --images "$images" --sim-mode "$mode" --jobs "$j" --reproducible \
      --report-dir "$tmp/j$j" -q >/dev/null
    end=$(date +%s.%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
    if [ "$j" = 1 ]; then one+=("$t"); else many+=("$t"); fi
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m1=$(median "${one[@]}") mn=$(median "${many[@]}")
same=yes
for f in summary.json layers.csv stats.txt state.json options.yaml; do cmp -s "$tmp/j1/$f" "$tmp/j$jobs/$f" || same="NO ($f differs)"; done
echo "model $(basename "$model"), $images images, $mode, 4 encodings, $(nproc) cores, median of $runs"
printf -- "--jobs 1: %.1f s   --jobs %s: %.1f s   speed-up %.2fx (target >= 1.7 on 2 cores)\n" "$m1" "$jobs" "$mn" \
  "$(awk -v a="$m1" -v b="$mn" 'BEGIN {print a / b}')"
echo "reports byte-identical: $same"
