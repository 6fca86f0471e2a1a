// slqsim: simulator of stochastic-computing neural-network accelerators with successive
// log quantization (SLQ) weights. Thin entry point: global flags, subcommands, exit codes.
#include <cstdlib>

#include "tb/app/cli.h"
#include "tb/app/commands.h"

namespace {
// Keep in step with project(VERSION) in CMakeLists.txt.
constexpr const char* kVersion = "slqsim 0.1.0";
}  // namespace

int main(int argc, char** argv) {
  // Before anything touches the SystemC kernel, so its banner stays off stdout.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", /*overwrite=*/0);
  slq::setup_logging("info");
  slq::route_systemc_reports();
  slq::install_interrupt_handler();

  CLI::App app{"Simulator of stochastic-computing neural-network accelerators with "
               "successive-log-quantized weights",
               "slqsim"};
  app.set_version_flag("--version", kVersion);
  app.fallthrough();  // global flags may also follow the subcommand: slqsim run ... -v

  slq::LogOptions log_options;
  slq::add_logging_options(app, log_options);
  // Runs after parsing and before the subcommand's callback.
  app.parse_complete_callback([&] { slq::setup_logging(log_options.effective_level()); });

  slq::register_quantize(app);
  slq::register_encode(app);
  slq::register_decode(app);
  slq::register_run(app);
  slq::register_compare(app);
  slq::register_merge(app);
  slq::register_sweep(app);
  slq::register_tune(app);
  app.require_subcommand(1);

  return slq::run_cli(app, argc, argv);
}
