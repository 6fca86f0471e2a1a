// The options shared by `slqsim run` and `slqsim compare`: model, data, encoding and
// micro-architecture parameters, with their flags, validation and resolved JSON form.
#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "hw/accel_config.h"
#include "models/format.h"
#include "models/net_runner.h"
#include "models/network.h"
#include "models/qnet.h"

namespace slq::tb {

struct SimOptions {
  std::string model;
  std::string dataset = "fashion-mnist";
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  size_t images = 1000;
  std::string encodings = "tag,special,lq,linear";
  int word_bits = 5;          // b
  int max_words = 2;          // L
  double theta = 0.03125;     // SLQ stop threshold (normalized): 2^-5, see docs/accuracy.md
  std::string rounding = "log";
  bool per_channel_scale = false;
  int stream_bits = 8;        // N
  int mem_word_bits = 32;     // W
  int lanes = 16;             // P
  int bits_per_cycle = 1;     // B
  int fields_per_cycle = 1;
  int fifo_depth = 2;
  int acc_bits = 24;          // A
  std::string sng = "ld";
  uint64_t seed = 1;
  std::string sim_mode = "fast";  // fast | per-cycle | model
  int calibration_images = 256;
  double calibration_percentile = 99.9;

  // Adds the flags to a subcommand.
  void add_flags(CLI::App* app, bool with_dataset);
  // Checks everything once; throws InputError naming the flag.
  void validate() const;
  std::vector<Format> formats() const { return parse_format_list(encodings); }
  CodeParams code(Format f) const;
  QuantOptions quant(Format f) const { return {code(f), per_channel_scale}; }
  // The network quantized for every requested encoding, in the order given.
  std::vector<EncodingRun> encoding_runs(const Network& net) const;
  ArrayParams array() const;
  hw::AccelConfig accel() const;
  nlohmann::ordered_json to_json() const;
};

}  // namespace slq::tb
