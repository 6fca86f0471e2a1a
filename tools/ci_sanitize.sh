#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (GCC), in build-asan.
# GCC's -fsanitize=undefined leaves out float-cast-overflow and float-divide-by-zero: both are
# added. Every report is fatal (-fno-sanitize-recover=all, halt_on_error): a finding fails a test,
# and this script exits non-zero. SystemC and ASan: see docs/fuzzing.md ("Sanitizers and
# SystemC's coroutines") for why these ASAN_OPTIONS and why no report is silenced.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
slqsim_install_deps

JOBS=${JOBS:-2}
SAN="-fsanitize=address,undefined -fsanitize=float-cast-overflow,float-divide-by-zero -fno-sanitize-recover=all"
# -g1: line tables for the reports, at a fraction of -g's compile time.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS="$SAN -fno-omit-frame-pointer -g1" \
      -DCMAKE_EXE_LINKER_FLAGS="$SAN" >/dev/null
# Only what ctest runs (the tests run slqsim too); not the benchmarks.
cmake --build build-asan -j "$JOBS" --target test_models test_hw test_tb slqsim

# detect_stack_use_after_return=0: SystemC switches coroutine stacks (QuickThreads) and tells ASan
#   through the fiber API, but ASan's fake stacks are per thread, not per coroutine
#   (google/sanitizers#189, #1760). GCC's default is 0 already; it is set so a newer default
#   cannot turn it on.
# detect_leaks=1, check_initialization_order=1, strict_init_order=1: the full set of checks.
export ASAN_OPTIONS="detect_stack_use_after_return=0:detect_leaks=1:check_initialization_order=1:strict_init_order=1:halt_on_error=1:abort_on_error=0:print_summary=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="print_suppressions=0"
cd build-asan
ctest -j "$JOBS" --output-on-failure --timeout 1800
