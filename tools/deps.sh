# Installs the Debian packages slqsim needs when any is missing (sourced by run.sh and test.sh).
# Only Debian's packages: no downloads at build or run time.
SLQSIM_PACKAGES=(cmake ninja-build g++ pkg-config libsystemc-dev libgtest-dev libspdlog-dev libfmt-dev
                 libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libonnx-dev libprotobuf-dev zlib1g-dev
                 dataset-fashion-mnist gtkwave python3-matplotlib slurm-wlm munge verilator yosys)
# What the fuzz targets add (tools/fuzz.sh, bench/fuzz_bench.sh; docs/fuzzing.md): clang with
# libFuzzer and its sanitizer runtimes, and llvm-symbolizer for the reports' stack traces. GCC's
# ASan/UBSan runtimes (tools/ci_sanitize.sh) come with g++. Not needed by run.sh or test.sh.
SLQSIM_FUZZ_PACKAGES=(clang libclang-rt-dev llvm)
# What the training scripts need (tools/train_lenet.py, train_cnn.py, train_resnet.py; run with /usr/bin/python3):
# Debian's PyTorch. Only for retraining the shipped models; not installed by run.sh or test.sh.
SLQSIM_TRAIN_PACKAGES=(python3-torch)
# slqsim_install_deps [EXTRA_PACKAGE...]: SLQSIM_PACKAGES and the extra ones.
slqsim_install_deps() {
  local missing=()
  for p in "${SLQSIM_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
slqsim_build() {
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j "$(nproc)" "$@"
}
