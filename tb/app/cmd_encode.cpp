// slqsim encode: one weight-memory image (hex + JSON sidecar) per compute layer of a model,
// and a table of what each layer costs in the chosen format(s).
#include <iostream>
#include <memory>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "models/errors.h"
#include "models/io/onnx_model.h"
#include "models/nn/qnet.h"
#include "tb/app/cli.h"
#include "tb/app/commands.h"
#include "tb/app/options.h"

namespace slq {
namespace {

struct EncodeFlags {
  tb::Options options;  // the model and the code's options (tb/app/options.h: the defaults of every command)
  std::string format, out = "images";
};

void encode_command(EncodeFlags& f) {
  parse_format_list(f.format, "--format");
  f.options.encodings = f.format;
  f.options.validate();
  const Network net = load_onnx(f.options.model);
  if (compute_ops(net).empty()) throw InputError(f.options.model, "", "the model has no Conv, Gemm or MatMul to encode");

  std::cout << fmt::format("{:<8} {:<16} {:>8} {:>12} {:>13} {:>8} {:>13}\n", "format", "layer", "weights",
                           "bits/weight", "words/weight", "SQNR dB", "memory words");
  for (const EncodingRun& run : f.options.encoding_runs(net)) {
    const char* name = run.name.c_str();
    uint64_t weights = 0, bits = 0, words = 0, mem = 0;
    for (const QuantLayer& q : run.layers) {
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
  tb::add_options(sub, f->options, {"model"});
  sub->get_option("--model")->required();
  sub->add_option("--format", f->format, "tag, special, lq or linear (or a comma-separated list)")->required();
  sub->add_option("--out", f->out, "Directory for <layer>.<format>.hex and .json")
      ->check(output_dir())
      ->capture_default_str();
  tb::add_options(sub, f->options, tb::kCodeOptions);
  tb::add_options(sub, f->options, {"layer-theta", "layer-L"});
  sub->callback([f] { encode_command(*f); });
}

}  // namespace slq
