// Placeholder subcommands so slqsim links before the real ones exist. When tb/cmd_<name>.cpp
// lands, delete that command's block below (each block stands alone); delete the file when
// all five are gone.
#include <stdexcept>

#include "tb/cli.h"
#include "tb/commands.h"

namespace slq {
namespace {

void add_stub(CLI::App& app, const std::string& name, const std::string& description) {
  CLI::App* sub = app.add_subcommand(name, description + " (not implemented yet)");
  add_config_option(*sub);
  sub->callback([] { throw std::runtime_error("not implemented yet"); });
}

}  // namespace

// ---- quantize: replace with tb/cmd_quantize.cpp ----
void register_quantize(CLI::App& app) {
  add_stub(app, "quantize", "Quantize normalized values and print their SLQ code words");
}

// ---- encode: replace with tb/cmd_encode.cpp ----
void register_encode(CLI::App& app) {
  add_stub(app, "encode", "Encode a model's weights into per-layer memory images");
}

// ---- decode: replace with tb/cmd_decode.cpp ----
void register_decode(CLI::App& app) {
  add_stub(app, "decode", "Validate and decode a memory image against its sidecar");
}

// ---- run: replace with tb/cmd_run.cpp ----
void register_run(CLI::App& app) {
  add_stub(app, "run", "Simulate a network on the SystemC accelerator and write reports");
}

// ---- compare: replace with tb/cmd_compare.cpp ----
void register_compare(CLI::App& app) {
  add_stub(app, "compare", "Run one accelerator per encoding in lockstep on one layer");
}

}  // namespace slq
