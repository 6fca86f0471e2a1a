// Weight-memory images on disk (docs/formats.md): text hex, one W-bit word per line ($readmemh), and a
// JSON sidecar (same path, extension .json) with everything needed to decode and rescale.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/codec/codec.h"
#include "models/codec/format.h"

namespace slq {

struct MemoryImage {
  std::string layer;                  // layer name (as in the model)
  CodeParams params;
  std::vector<int64_t> shape;         // weight tensor shape, e.g. {O, C, KH, KW} or {O, I}
  uint64_t weight_count = 0;
  std::vector<int> scale_exponents;   // log formats: u with U = 2^u, one per layer or per output channel
  double linear_step = 0.0;           // linear: S = max|w| / (2^N - 1)
  PackedStream stream;
};

// Sidecar path of an image: "x.hex" -> "x.json".
std::string sidecar_path(const std::string& hex_path);
// The hex text and sidecar JSON text of an image (callers write them atomically).
std::string image_hex_text(const MemoryImage& image);
std::string image_sidecar_text(const MemoryImage& image);
// Reads and checks an image and its sidecar (formats, ranges, word count); does not decode.
// Throws InputError naming the file, the line or JSON key, and the reason.
// With `sidecar_words` given, a word count that differs from the sidecar's is not an error: the
// words are returned as the hex file has them and the sidecar's count is stored there (so a
// decoder can say where such a stream breaks).
MemoryImage read_image(const std::string& hex_path, uint64_t* sidecar_words = nullptr);

}  // namespace slq
