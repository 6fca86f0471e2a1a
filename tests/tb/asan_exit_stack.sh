#!/usr/bin/env bash
# ASan builds only (CMakeLists.txt): LeakSanitizer's check at exit must scan the main thread's own
# stack, not the stack of the SystemC thread that ended last (tb/entry/asan_systemc_fibers.cpp).
# With the stale stack LSan warns "stack pointer not in stack range" and scans that range, which
# SystemC may have unmapped: its tracer then dies at random ("Tracer caught signal 11").
# Usage: asan_exit_stack.sh TEST_HW
set -euo pipefail
test_hw=$1
test_name='Formats/AccelBitExact.MatchesGoldenAndFastEqualsPerCycle/tag_B1_P64'
log=$(ASAN_OPTIONS="detect_stack_use_after_return=0:detect_leaks=1:halt_on_error=1" \
      LSAN_OPTIONS="verbosity=1:log_threads=1" "$test_hw" --gtest_filter="$test_name" 2>&1)
grep -q '\[  PASSED  \] 1 test' <<<"$log" || { echo "$test_name did not run and pass:"; echo "$log" | tail -20; exit 1; }
grep -q 'Processing thread' <<<"$log" || { echo "no leak check at exit (LSAN verbosity output missing)"; exit 1; }
if grep -q 'stack pointer not in stack range' <<<"$log"; then
  echo "LeakSanitizer scanned a stale coroutine stack for the main thread at exit:"
  grep -A2 'Processing thread' <<<"$log"
  exit 1
fi
echo "leak check at exit scanned the main thread's own stack"
