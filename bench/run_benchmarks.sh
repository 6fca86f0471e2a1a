#!/usr/bin/env bash
# The speed benchmarks of issue 6 in one command: builds what is missing, then runs every
# measurement as child processes (medians of several interleaved runs) and prints the table with
# PASS/MISS per target. Figures and their meaning: docs/performance.md.
#
#   bench/run_benchmarks.sh [bench_report options]   e.g. --runs 5, --full, --json FILE
#
# BUILD_DIR (default build) selects the build tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C "$build" -j "$(nproc)" slqsim bench_array bench_naive bench_report >&2
exec "$build/bench_report" --build "$build" --model "$root/data/lenet_fmnist.onnx" --json "$build/bench_results.json" "$@"
