#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: the shipped LeNet on the first 1000
# Fashion-MNIST test images through all four weight encodings on the simulated accelerator.
# Extra arguments go to `slqsim run` (e.g. ./run.sh --images 10000).
set -euo pipefail
cd "$(dirname "$0")"
source tools/deps.sh
slqsim_install_deps
slqsim_build --target slqsim
./build/slqsim run --config examples/default.yaml --report-dir out/run "$@"
/usr/bin/python3 tools/plot_energy.py out/run/summary.json >/dev/null
echo "reports: out/run/summary.json out/run/layers.csv out/run/stats.txt, energy by component: out/run/energy.png"
