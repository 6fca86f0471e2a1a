#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite (each test in its
# own process: SystemC elaborates once per process).
set -euo pipefail
cd "$(dirname "$0")"
source tools/deps.sh
slqsim_install_deps
slqsim_build
cd build
ctest -j "$(nproc)" --output-on-failure --timeout 900
