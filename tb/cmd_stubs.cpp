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

// ---- compare: replace with tb/cmd_compare.cpp ----
void register_compare(CLI::App& app) {
  add_stub(app, "compare", "Run one accelerator per encoding in lockstep on one layer");
}

}  // namespace slq
