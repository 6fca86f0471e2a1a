// The raw-stream input layout shared by fuzz_stream and fuzz_schedule: a header of code
// parameters (taken as they come, so out-of-range values are exercised too), then memory words
// of ceil(W / 8) bytes each, big-endian, masked to W bits unless the header says not to.
#pragma once
#include <vector>

#include "fuzz/fuzz_util.h"
#include "models/codec/format.h"

namespace slq::fuzz {

struct RawStream {
  CodeParams code;
  uint64_t weight_count = 0;
  std::vector<uint64_t> mem;
};

// Header: format (low 2 bits; bit 7 set: do not mask the words), b, N, W, L, then the weight
// count in `count_bytes` bytes. read_words() then takes the rest of the input as memory words.
inline RawStream read_raw_header(Bytes& in, int count_bytes, bool* mask) {
  RawStream s;
  const uint8_t f = in.u8();
  *mask = !(f & 0x80);
  s.code.format = static_cast<Format>(f & 3);
  s.code.word_bits = in.u8() % 10;      // valid 2..8
  s.code.stream_bits = in.u8() % 18;    // valid 1..16
  s.code.mem_word_bits = in.u8() % 66;  // valid 1..64
  s.code.max_words = in.u8() % 18;      // valid 1..16
  s.code.theta = 0.0;
  s.weight_count = in.le(count_bytes);
  return s;
}

inline void read_words(Bytes& in, RawStream& s, bool mask) {
  const int W = s.code.mem_word_bits;
  const int bytes = W < 1 ? 1 : (W > 64 ? 8 : (W + 7) / 8);
  while (in.left() >= size_t(bytes)) {
    uint64_t word = 0;
    for (int i = 0; i < bytes; ++i) word = (word << 8) | in.u8();
    if (mask && W >= 1 && W < 64) word &= (uint64_t{1} << W) - 1;
    s.mem.push_back(word);
  }
}

}  // namespace slq::fuzz
