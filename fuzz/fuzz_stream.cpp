// Fuzz target: the field decoder on raw streams of every format (models/codec/codec.h
// decode_stream, which runs FieldDecoder through FieldReader). Input: fuzz_stream.h's header
// with an 8-byte weight count, then the memory words.
// Oracle: accepted, or InputError; an accepted stream has the weight count asked for, at most L
// words a weight, and decoding its re-encoding gives the same words.
#include "fuzz/fuzz_stream.h"
#include "models/codec/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slq;
  fuzz::Bytes in{data, size};
  bool mask = true;
  fuzz::RawStream s = fuzz::read_raw_header(in, 8, &mask);
  fuzz::read_words(in, s, mask);
  WeightWords words;
  if (!fuzz::accepted([&] { words = decode_stream(s.mem, s.weight_count, s.code); })) return 0;
  SLQ_FUZZ_CHECK(words.weight_count() == s.weight_count, "decoded weight count");
  for (size_t i = 0; i < words.weight_count(); ++i)
    SLQ_FUZZ_CHECK(words.words_of(i) >= 1 && int(words.words_of(i)) <= s.code.words_limit(), "words of a weight");
  PackedStream packed;
  WeightWords again;
  SLQ_FUZZ_CHECK(fuzz::accepted([&] { packed = pack_stream(words, s.code); }), "decoded words do not pack");
  SLQ_FUZZ_CHECK(fuzz::accepted([&] { again = decode_stream(packed.mem, s.weight_count, s.code); }),
                 "re-packed stream does not decode");
  SLQ_FUZZ_CHECK(again == words, "decode(pack(decode(stream))) differs");
  return 0;
}
