// slqsim encode: one weight-memory image (hex + JSON sidecar) per compute layer of a model,
// and a table of what each layer costs in the chosen format(s).
#include <iostream>
#include <memory>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "models/errors.h"
#include "models/onnx_model.h"
#include "models/qnet.h"
#include "tb/cli.h"
#include "tb/commands.h"

namespace slq {
namespace {

struct EncodeFlags {
  std::string model, format, out = "images", rounding = "log";
  int word_bits = 5, max_words = 2, stream_bits = 8, mem_word_bits = 32;
  double theta = 0.0;
  bool per_channel_scale = false;
};

void encode_command(const EncodeFlags& f) {
  std::vector<QuantOptions> runs;
  for (Format fmt : parse_format_list(f.format, "--format")) {
    QuantOptions o;
    o.code.format = fmt;
    o.code.word_bits = f.word_bits;
    o.code.stream_bits = f.stream_bits;
    o.code.mem_word_bits = f.mem_word_bits;
    o.code.max_words = (fmt == Format::tag || fmt == Format::special) ? f.max_words : 1;
    o.code.theta = f.theta;
    o.code.rounding = parse_rounding(f.rounding);
    o.code.validate("--word-bits/--L/--theta/--stream-bits/--mem-word-bits");
    o.per_channel_scale = f.per_channel_scale;
    runs.push_back(o);
  }
  const Network net = load_onnx(f.model);
  if (compute_ops(net).empty()) throw InputError(f.model, "", "the model has no Conv, Gemm or MatMul to encode");

  std::cout << fmt::format("{:<8} {:<16} {:>8} {:>12} {:>13} {:>8} {:>13}\n", "format", "layer", "weights",
                           "bits/weight", "words/weight", "SQNR dB", "memory words");
  for (const QuantOptions& o : runs) {
    const char* name = to_string(o.code.format);
    uint64_t weights = 0, bits = 0, words = 0, mem = 0;
    for (const QuantLayer& q : quantize_network(net, o)) {
      const std::string base = f.out + "/" + q.name + "." + name;
      write_file_atomic(base + ".hex", image_hex_text(q.image));
      write_file_atomic(base + ".json", image_sidecar_text(q.image));
      spdlog::info("wrote {}.hex and {}.json", base, base);
      std::cout << fmt::format("{:<8} {:<16} {:>8} {:>12.3f} {:>13.3f} {:>8.2f} {:>13}\n", name, q.name,
                               q.image.weight_count, q.bits_per_weight(), q.words_per_weight(), q.sqnr_db,
                               q.image.stream.mem.size());
      weights += q.image.weight_count;
      bits += q.image.stream.bits;
      words += q.code_words;
      mem += q.image.stream.mem.size();
    }
    std::cout << fmt::format("{:<8} {:<16} {:>8} {:>12.3f} {:>13.3f} {:>8} {:>13}\n", name, "(all)", weights,
                             double(bits) / double(weights), double(words) / double(weights), "", mem);
  }
}

}  // namespace

void register_encode(CLI::App& app) {
  auto f = std::make_shared<EncodeFlags>();
  CLI::App* sub = app.add_subcommand("encode", "Encode a model's weights into per-layer memory images");
  add_config_option(*sub);
  sub->add_option("--model", f->model, "ONNX model")->required();
  sub->add_option("--format", f->format, "tag, special, lq or linear (or a comma-separated list)")->required();
  sub->add_option("--out", f->out, "Directory for <layer>.<format>.hex and .json")
      ->check(output_dir())
      ->capture_default_str();
  sub->add_option("--word-bits", f->word_bits, "b: bits of an SLQ code word")->capture_default_str();
  sub->add_option("--L", f->max_words, "L: SLQ words per weight at most (tag, special)")->capture_default_str();
  sub->add_option("--theta", f->theta, "SLQ stop threshold on the normalized residue")->capture_default_str();
  sub->add_option("--rounding", f->rounding, "LogQuant rounding: log or linear")->capture_default_str();
  sub->add_flag("--per-channel-scale", f->per_channel_scale, "One power-of-two scale per output channel");
  sub->add_option("--stream-bits", f->stream_bits, "N: stream bits (linear magnitude bits)")->capture_default_str();
  sub->add_option("--mem-word-bits", f->mem_word_bits, "W: weight-memory word bits")->capture_default_str();
  sub->callback([f] { encode_command(*f); });
}

}  // namespace slq
