// Fuzz target: YAML config files and the option tree (tb/app/cli.h YamlConfig, apply_config)
// with the real `run` subcommand (tb/app/commands.h register_run, whose options come from
// tb/app/options.h add_options), then the options' own checks (Options::validate), as
// `slqsim run --config FILE` does before it touches a model. The input is the config file.
// Oracle: accepted, or InputError; the run subcommand and a bare option tree agree.
#include "fuzz/fuzz_util.h"
#include "tb/app/cli.h"
#include "tb/app/commands.h"
#include "tb/app/options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slq;
  const std::string path = fuzz::write_file("config.yaml", data, size);
  // The real subcommand, as main() registers it (its callback does not run: nothing is parsed).
  CLI::App app{"fuzz", "slqsim"};
  register_run(app);
  CLI::App* run = app.get_subcommand("run");
  YamlConfig yaml;
  const bool run_ok = fuzz::accepted([&] { apply_config(*run, yaml.read_file(path), yaml, path); });
  // The same options bound to an Options struct, then validated as the command validates them.
  CLI::App bare{"fuzz", "run"};
  tb::Options options;
  tb::add_options(&bare, options, tb::kRunOptions);
  YamlConfig yaml2;
  const bool options_ok = fuzz::accepted([&] { apply_config(bare, yaml2.read_file(path), yaml2, path); });
  // The run command has a few flags more (--vcd, --report-dir, ...): it takes every config the
  // bare tree takes, and maybe more.
  SLQ_FUZZ_CHECK(!options_ok || run_ok, "the option tree accepts a config run refuses");
  if (!options_ok) return 0;
  if (!fuzz::accepted([&] { options.validate(); })) return 0;
  for (Format f : options.formats()) {
    const CodeParams p = options.code(f);
    SLQ_FUZZ_CHECK(fuzz::accepted([&] { p.validate(); }), "validated options give an invalid code");
    SLQ_FUZZ_CHECK(p.field_bits() <= p.mem_word_bits, "W narrower than a field");
  }
  SLQ_FUZZ_CHECK(fuzz::accepted([&] { options.accel().validate(); }), "validated options give an invalid accelerator");
  return 0;
}
