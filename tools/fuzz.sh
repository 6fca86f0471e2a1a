#!/usr/bin/env bash
# Builds the fuzz targets (clang, libFuzzer + ASan + UBSan, in build-fuzz) and runs each for a
# bounded time on its committed corpus (fuzz/corpus/<target>/) with its dictionary
# (fuzz/<target>.dict) where there is one. New inputs go to a temporary directory, so the
# committed corpus never changes; a finding (crash, sanitizer report, contract violation,
# timeout, out-of-memory) leaves its input in out/fuzz/artifacts/ and makes this script exit 1.
#   tools/fuzz.sh                 every target, FUZZ_SECONDS (default 30) each
#   tools/fuzz.sh npy yaml        only these
#   tools/fuzz.sh --seeds         regenerate fuzz/corpus/ with fuzz_make_seeds, then stop
# See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-30}
source tools/fuzz_common.sh
if [ "${1:-}" = "--seeds" ]; then
  slqsim_fuzz_configure
  cmake --build build-fuzz -j "$JOBS" --target fuzz_make_seeds
  build-fuzz/fuzz_make_seeds fuzz/corpus
  exit 0
fi
slqsim_fuzz_setup run "$@"
artifacts=out/fuzz/artifacts
mkdir -p "$artifacts"

failed=()
printf '%-10s %10s %8s %8s %8s  %s\n' target execs exec/s cov corpus result
for t in "${targets[@]}"; do
  bin=build-fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "no fuzz target '$t'" >&2; exit 2; }
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  mkdir -p "$work/new_$t" "$work/merged_$t"
  log="$work/$t.log"
  status=0
  # The first corpus directory receives new inputs: the temporary one.
  # A fixed seed (FUZZ_SEED, 1): the same mutations every run, so a CI finding can be reproduced.
  "$bin" -seed="${FUZZ_SEED:-1}" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
         -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "${dict[@]}" \
         "$work/new_$t" "fuzz/corpus/$t" >"$log" 2>&1 || status=$?
  # Merge (minimize) what it found into a temporary directory: the corpus size to report.
  "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 "$work/merged_$t" "fuzz/corpus/$t" "$work/new_$t" \
         >"$work/$t.merge.log" 2>&1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE '(DONE|NEW|REDUCE|pulse|INITED) +cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || true)
  corpus=$(find "$work/merged_$t" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    result="FINDING (exit $status; input in $artifacts/)"
    echo "---- $t: last lines of its log ----" >&2
    tail -40 "$log" >&2
  else
    result=ok
  fi
  printf '%-10s %10s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$corpus" "$result"
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing: ${#targets[@]} targets, ${SECONDS_PER_TARGET} s each, no findings"
