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
#include "tb/encoder_bench.h"

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

  // The log formats' images come out of the SystemC SLQ encoder and stream packer (hw/encoder),
  // every layer a stream of its own, all in one simulation; the software path (quantizer twin +
  // pack_stream) must give the same words and the encoder twin the same cycles.
  std::vector<EncodingRun> runs = f.options.encoding_runs(net);
  std::vector<std::vector<int16_t>> streams;
  std::vector<CodeParams> codes;
  for (const EncodingRun& run : runs)
    for (const QuantLayer& q : run.layers)
      if (!q.fixed_weights.empty()) {
        streams.push_back(q.fixed_weights);
        codes.push_back(q.image.params);
      }
  std::vector<tb::EncodedStream> encoded;
  if (!streams.empty()) {
    spdlog::info("encoding {} layer image(s) on the SystemC SLQ encoder", streams.size());
    encoded = tb::encode_streams(streams, codes);
  }

  std::cout << fmt::format("{:<8} {:<16} {:>8} {:>12} {:>13} {:>8} {:>13} {:>15}\n", "format", "layer", "weights",
                           "bits/weight", "words/weight", "SQNR dB", "memory words", "encoder cycles");
  size_t next = 0;
  for (EncodingRun& run : runs) {
    const char* name = run.name.c_str();
    uint64_t weights = 0, bits = 0, words = 0, mem = 0, cycles = 0;
    for (QuantLayer& q : run.layers) {
      std::string encoder_cycles = "-";
      if (!q.fixed_weights.empty()) {
        const tb::EncodedStream& e = encoded[next++];
        if (e.memory != q.image.stream.mem)
          throw std::logic_error("the SystemC encoder's image of " + q.name + " (" + name +
                                 ") differs from the software packer's");
        if (e.cycles != q.encoder.cycles || e.words != q.encoder.words)
          throw std::logic_error("the SystemC encoder took " + std::to_string(e.cycles) + " cycles for " +
                                 std::to_string(e.words) + " words on " + q.name + ", its twin says " +
                                 std::to_string(q.encoder.cycles) + " cycles for " + std::to_string(q.encoder.words));
        q.image.stream.mem = e.memory;  // the hardware's words (equal, as just checked)
        encoder_cycles = std::to_string(e.cycles);
        cycles += e.cycles;
      }
      const std::string base = f.out + "/" + q.name + "." + name;
      write_file_atomic(base + ".hex", image_hex_text(q.image));
      write_file_atomic(base + ".json", image_sidecar_text(q.image));
      spdlog::info("wrote {}.hex and {}.json", base, base);
      std::cout << fmt::format("{:<8} {:<16} {:>8} {:>12.3f} {:>13.3f} {:>8.2f} {:>13} {:>15}\n", name, q.name,
                               q.image.weight_count, q.bits_per_weight(), q.words_per_weight(), q.sqnr_db,
                               q.image.stream.mem.size(), encoder_cycles);
      weights += q.image.weight_count;
      bits += q.image.stream.bits;
      words += q.code_words;
      mem += q.image.stream.mem.size();
    }
    std::cout << fmt::format("{:<8} {:<16} {:>8} {:>12.3f} {:>13.3f} {:>8} {:>13} {:>15}\n", name, "(all)", weights,
                             double(bits) / double(weights), double(words) / double(weights), "", mem,
                             cycles ? std::to_string(cycles) : "-");
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
