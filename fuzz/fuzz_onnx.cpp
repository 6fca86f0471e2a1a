// Fuzz target: ONNX model import through to a quantized network (models/io/onnx_model.h
// load_onnx, models/nn/qnet.h check_mappable and quantize_network). The input is the model file
// (protobuf); the encoding (tag, special, lq, linear) and the per-channel scale are picked from
// the input's size, with the default code (b = 5, N = 8, W = 32, L = 2, theta = 2^-5).
// Oracle: accepted, or InputError; an accepted network has one quantized layer per compute op,
// each with rows x cols weights and an image that decodes to the golden terms.
#include "fuzz/fuzz_util.h"
#include "models/codec/codec.h"
#include "models/io/onnx_model.h"
#include "models/nn/qnet.h"
#include "models/sc/sc_layer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slq;
  const std::string path = fuzz::write_file("model.onnx", data, size);
  Network net;
  if (!fuzz::accepted([&] {
        net = load_onnx(path);
        check_mappable(net);
      }))
    return 0;
  QuantOptions options;
  options.code.format = static_cast<Format>(size % 4);
  options.code.theta = 0.03125;
  options.code.max_words = options.code.words_limit();
  options.per_channel_scale = (size / 4) % 2;
  std::vector<QuantLayer> layers;
  if (!fuzz::accepted([&] { layers = quantize_network(net, options); })) return 0;
  SLQ_FUZZ_CHECK(layers.size() == compute_ops(net).size(), "one layer per compute op");
  for (const QuantLayer& L : layers) {
    SLQ_FUZZ_CHECK(L.rows >= 1 && L.cols >= 1 && uint64_t(L.rows) * uint64_t(L.cols) == L.image.weight_count,
                   "rows x cols = weights");
    WeightWords words;
    SLQ_FUZZ_CHECK(fuzz::accepted([&] { words = decode_stream(L.image.stream.mem, L.image.weight_count, L.image.params); }),
                   "own image does not decode: " + L.name);
    const std::vector<Term> terms = stream_terms(words, L.image.params);
    SLQ_FUZZ_CHECK(terms.size() == L.terms.size(), "decoded terms differ from the golden terms: " + L.name);
    for (double s : L.row_scale) SLQ_FUZZ_CHECK(std::isfinite(s) && s > 0, "row scale not finite and positive");
  }
  return 0;
}
