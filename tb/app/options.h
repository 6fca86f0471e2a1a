// Every option of slqsim, described once. The table option_specs() gives each option's flag and
// YAML key, its JSON key in the reports' config echo, its type (the member it sets), its range or
// choices, and its help; its default is the member's initializer below. From that one table come
// the flags of every command (add_options), the YAML keys (a key is the flag's long name), the
// range checks (validate), the JSON echo (to_json), equality and printing. The parameter structs
// of the models (CodeParams, ArrayParams, the accelerator's configuration) are built here only.
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "hw/accel_config.h"
#include "models/nn/executor.h"
#include "models/codec/format.h"
#include "models/cost/energy.h"
#include "models/nn/net_runner.h"
#include "models/nn/network.h"
#include "models/nn/qnet.h"

namespace slq::tb {

struct Options {
  // The network and the data.
  std::string model;
  std::string dataset = "fashion-mnist";
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  uint64_t images = 1000;
  // The weight encodings.
  std::string encodings = "tag,special,lq,linear";  // comma-separated
  int word_bits = 5;       // b
  int max_words = 2;       // L (tag and special; lq and linear hold one word per weight)
  double theta = 0.03125;  // SLQ stop threshold on the normalized residue: 2^-5 (docs/accuracy.md)
  std::string rounding = "log";
  bool per_channel_scale = false;
  int stream_bits = 8;     // N
  int mem_word_bits = 32;  // W
  // Per-layer overrides of theta and L, by layer name (as in summary.json, e.g. 0_Conv).
  std::map<std::string, double> layer_theta;
  std::map<std::string, int> layer_max_words;
  // The accelerator.
  int lanes = 16;          // P
  int bits_per_cycle = 1;  // B
  int fields_per_cycle = 1;
  int fifo_depth = 2;
  int acc_bits = 24;       // A
  std::string sng = "ld";
  uint64_t seed = 1;
  uint64_t clock_period_ps = 1000;
  // The energy and area reference table (docs/cost.md); empty: the shipped 45 nm table.
  std::string energy_table;
  // How to simulate, and the calibration of the activation scales (on training images).
  std::string sim_mode = "fast";
  int calibration_images = 256;
  double calibration_percentile = 99.9;

  // Checks every option's range and the options against each other once; throws InputError
  // naming the flag.
  void validate() const;
  std::vector<Format> formats() const { return parse_format_list(encodings); }
  // The code of format `f` for `layer` (with its per-layer overrides); L is 1 for lq and linear.
  CodeParams code(Format f, const std::string& layer = "") const;
  QuantOptions quant(Format f) const;
  // The network quantized for every requested encoding, in the order given.
  std::vector<EncodingRun> encoding_runs(const Network& net) const;
  ArrayParams array() const;
  hw::AccelConfig accel() const;
  // The cost model's parameters (without the memory's size, which is each encoding's image).
  CostParams cost() const;
  nlohmann::ordered_json to_json() const;
  // Every option as (name, text), in the table's order: numbers in their shortest exact form,
  // flags as true/false, per-layer maps as LAYER=VALUE items joined by commas.
  std::vector<std::pair<std::string, std::string>> values() const;
  // The options as a config file `run --config` reads back to equal options (every key set).
  std::string to_yaml() const;
  bool operator==(const Options& o) const;
};
std::ostream& operator<<(std::ostream& os, const Options& o);

// Sets `o` from a YAML config file, as `run --config FILE` would (run's keys; errors are
// InputErrors naming the file and position).
void apply_options_file(Options& o, const std::string& path);
// The same from YAML text; errors name `file`.
void apply_options_text(Options& o, const std::string& text, const std::string& file);

// One option's description.
struct OptionSpec {
  using Member = std::variant<std::string Options::*, int Options::*, uint64_t Options::*, double Options::*,
                              bool Options::*, std::map<std::string, double> Options::*,
                              std::map<std::string, int> Options::*>;
  std::string name;   // long flag without its dashes, and the YAML key: "word-bits"
  std::string json;   // key in the config echo of summary.json: "word_bits" ("" = not echoed)
  std::string help;
  Member member;
  double min = -std::numeric_limits<double>::infinity();  // numbers: the range
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // strings: the values allowed (each item of a list); empty: any
  bool list = false;                 // a comma-separated list (several values in YAML)
  std::string alias;                 // another flag name, e.g. "--bits" for --word-bits
  bool min_open = false, max_open = false;  // the range is (min, ...] or [..., max)
  std::string flag() const { return "--" + name; }
};
const std::vector<OptionSpec>& option_specs();
const OptionSpec& option_spec(const std::string& name);

// Adds the named options as flags of `app`, bound to `o`. Defaults are `o`'s values.
void add_options(CLI::App* app, Options& o, const std::vector<std::string>& names);
// The options of each command.
extern const std::vector<std::string> kCodeOptions;     // what a code word and its stream need
extern const std::vector<std::string> kRunOptions;      // slqsim run
extern const std::vector<std::string> kCompareOptions;  // slqsim compare

}  // namespace slq::tb
