# What tools/fuzz.sh and bench/fuzz_bench.sh share (sourced from the project root): the fuzz
# packages, the clang build in build-fuzz, the list of targets (the arguments, or every corpus
# folder), the sanitizers' options, and a scratch directory removed at exit.
#   slqsim_fuzz_configure                 installs the packages, configures build-fuzz, sets JOBS
#   slqsim_fuzz_setup PREFIX [TARGET...]  that, builds the targets, sets targets and work (a temp dir)
source tools/deps.sh
slqsim_fuzz_configure() {
  slqsim_install_deps "${SLQSIM_FUZZ_PACKAGES[@]}"
  JOBS=${JOBS:-2}
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++}" \
        -DSLQSIM_FUZZ=ON >/dev/null
}
slqsim_fuzz_setup() {
  local prefix=$1
  shift
  slqsim_fuzz_configure
  cmake --build build-fuzz -j "$JOBS" --target fuzz >/dev/null
  targets=("$@")
  if [ ${#targets[@]} -eq 0 ]; then
    for d in fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
  fi
  work=$(mktemp -d "/tmp/slq_fuzz_$prefix.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # Leaks are findings too; the fuzz targets run no SystemC coroutines, so ASan's defaults stand.
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:print_summary=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
}
