// Fuzz target: memory images on disk (models/codec/memimage.h read_image: the hex text and its
// JSON sidecar), then the stream decoder on what was read, as `slqsim decode` does. The input is
// the sidecar's JSON text, a NUL byte, then the hex text (no NUL: the sidecar is all of it).
// Oracle: accepted, or InputError; an accepted image has the sidecar's word count and words of
// at most W bits, and an image that decodes re-encodes to the same words.
#include "fuzz/fuzz_util.h"
#include "models/codec/codec.h"
#include "models/codec/memimage.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slq;
  const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  const size_t json_bytes = nul ? size_t(nul - data) : size;
  fuzz::write_file("image.json", data, json_bytes);
  const std::string hex = nul ? fuzz::write_file("image.hex", nul + 1, size - json_bytes - 1)
                              : fuzz::write_file("image.hex", "");
  MemoryImage image;
  uint64_t sidecar_words = 0;
  // As `slqsim decode` reads it (a word count that differs is reported by the decoder) ...
  if (!fuzz::accepted([&] { image = read_image(hex, &sidecar_words); })) return 0;
  const int W = image.params.mem_word_bits;
  for (uint64_t word : image.stream.mem) SLQ_FUZZ_CHECK(W == 64 || (word >> W) == 0, "word wider than W");
  SLQ_FUZZ_CHECK(image.weight_count >= 1, "no weights accepted");
  // ... and strictly: the same image is accepted exactly when the counts agree.
  const bool strict = fuzz::accepted([&] { read_image(hex); });
  SLQ_FUZZ_CHECK(strict == (image.stream.mem.size() == sidecar_words), "strict read disagrees on the word count");
  WeightWords words;
  if (!fuzz::accepted([&] { words = decode_stream(image.stream.mem, image.weight_count, image.params, hex); }))
    return 0;
  SLQ_FUZZ_CHECK(words.weight_count() == image.weight_count, "decoded weight count");
  // Decoding what re-encodes gives the same words (the stream itself may differ: linear's -0).
  WeightWords again;
  PackedStream packed;
  SLQ_FUZZ_CHECK(fuzz::accepted([&] { packed = pack_stream(words, image.params); }), "decoded words do not pack");
  SLQ_FUZZ_CHECK(fuzz::accepted([&] { again = decode_stream(packed.mem, image.weight_count, image.params); }),
                 "re-packed stream does not decode");
  SLQ_FUZZ_CHECK(again == words, "decode(pack(decode(image))) differs");
  return 0;
}
