// The slqsim subcommands. Each register_* adds one subcommand (with --help and --config)
// to the main app; its callback does the work. One file per subcommand: tb/cmd_<name>.cpp.
#pragma once
#include <CLI/CLI.hpp>

namespace slq {

void register_quantize(CLI::App& app);  // slqsim quantize VALUE...
void register_encode(CLI::App& app);    // slqsim encode --model M.onnx --format F
void register_decode(CLI::App& app);    // slqsim decode IMAGE.hex
void register_run(CLI::App& app);       // slqsim run --model M.onnx ...
void register_compare(CLI::App& app);   // slqsim compare --model M.onnx --layer NAME --vcd FILE
void register_merge(CLI::App& app);     // slqsim merge DIR... --report-dir OUT
void register_sweep(CLI::App& app);     // slqsim sweep --config SWEEP.yaml --out DIR
void register_tune(CLI::App& app);      // slqsim tune --model M.onnx --max-accuracy-drop PP --out T.yaml

}  // namespace slq
