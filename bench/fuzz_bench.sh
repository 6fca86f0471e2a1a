#!/usr/bin/env bash
# Runs every fuzz target for 10^6 executions (BENCH_RUNS) or BENCH_SECONDS (default 600), whichever
# comes first, on a copy of its committed corpus, and prints per target: executions, time,
# executions per second, coverage (libFuzzer's final "cov:", edges covered), features, the
# corpus after minimizing, and findings (artifacts saved). Builds with tools/fuzz.sh's build.
#   bench/fuzz_bench.sh            every target
#   bench/fuzz_bench.sh npy yaml   only these
# Exits 1 if any target has a finding. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${BENCH_RUNS:-1000000}
LIMIT=${BENCH_SECONDS:-600}
source tools/fuzz_common.sh
slqsim_fuzz_setup bench "$@"
artifacts=out/fuzz/bench_artifacts
mkdir -p "$artifacts"

echo "fuzz bench: $RUNS executions or $LIMIT s per target, whichever first"
printf '%-10s %10s %8s %8s %7s %7s %7s %9s\n' target execs time_s exec/s cov ft corpus findings
any=0
for t in "${targets[@]}"; do
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  mkdir -p "$work/$t" "$work/min_$t"
  cp fuzz/corpus/$t/* "$work/$t/"
  before=$(find "$artifacts" -name "$t-*" | wc -l)
  start=$(date +%s.%N)
  status=0
  build-fuzz/fuzz_$t -runs="$RUNS" -max_total_time="$LIMIT" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "${dict[@]}" "$work/$t" >"$work/$t.log" 2>&1 || status=$?
  end=$(date +%s.%N)
  build-fuzz/fuzz_$t -merge=1 -timeout=10 "$work/min_$t" "$work/$t" >/dev/null 2>&1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
  last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)' "$work/$t.log" | tail -1 || true)
  cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+' || true)
  ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+' || true)
  findings=$(( $(find "$artifacts" -name "$t-*" | wc -l) - before ))
  [ "$status" -ne 0 ] && findings=$((findings > 0 ? findings : 1))
  [ "$findings" -ne 0 ] && any=1
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  rate=$(awk -v n="${execs:-0}" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
  printf '%-10s %10s %8.0f %8s %7s %7s %7s %9s\n' "$t" "${execs:-?}" "$secs" "$rate" "${cov:-?}" "${ft:-?}" \
         "$(find "$work/min_$t" -type f | wc -l)" "$findings"
done
exit $any
