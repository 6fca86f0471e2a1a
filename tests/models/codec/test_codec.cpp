// Stream formats of docs/formats.md: bit-exact packing (checked against a packer written here from the
// table in docs/formats.md), round trips, every malformed-stream class with its position, and fuzzing.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "models/codec/codec.h"
#include "models/codec/format.h"
#include "models/quant/quant.h"

namespace slq {
namespace {

CodeParams params(Format f, int b, int W, int L, int N = 8) {
  CodeParams p;
  p.format = f;
  p.word_bits = b;
  p.mem_word_bits = W;
  p.max_words = L;
  p.stream_bits = N;
  return p;
}

int field_width(const CodeParams& p) {
  switch (p.format) {
    case Format::tag: return p.word_bits + 1;
    case Format::linear: return p.stream_bits + 1;
    default: return p.word_bits;
  }
}

// A field list, packed MSB first into W-bit words with zero padding (the layout of docs/formats.md).
struct Fields {
  std::vector<std::pair<uint64_t, int>> list;  // (value, width)
  Fields& add(uint64_t value, int width) {
    list.emplace_back(value & ((uint64_t{1} << width) - 1), width);
    return *this;
  }
  uint64_t bits() const {
    uint64_t n = 0;
    for (const auto& f : list) n += f.second;
    return n;
  }
  std::vector<uint64_t> mem(int W) const {
    std::vector<int> stream;
    for (const auto& [value, width] : list)
      for (int i = width - 1; i >= 0; --i) stream.push_back(static_cast<int>((value >> i) & 1));
    std::vector<uint64_t> out((stream.size() + W - 1) / W, 0);
    for (size_t i = 0; i < stream.size(); ++i)
      if (stream[i]) out[i / W] |= uint64_t{1} << (W - 1 - i % W);
    return out;
  }
};

// The fields of a weight sequence per the table of docs/formats.md.
Fields reference_fields(const WeightWords& w, const CodeParams& p) {
  Fields f;
  const int b = p.word_bits;
  for (size_t i = 0; i < w.weight_count(); ++i) {
    const size_t n = w.words_of(i);
    const int32_t* v = w.begin_of(i);
    for (size_t k = 0; k < n; ++k) {
      switch (p.format) {
        case Format::tag:
          f.add((uint64_t{k + 1 < n} << b) | (static_cast<uint64_t>(v[k]) & ((1u << b) - 1)), b + 1);
          break;
        case Format::special:
          if (k > 0) f.add(static_cast<uint64_t>(p.marker()), b);
          f.add(static_cast<uint64_t>(v[k]), b);
          break;
        case Format::lq: f.add(static_cast<uint64_t>(v[k]), b); break;
        case Format::linear:
          f.add((v[k] < 0 ? uint64_t{1} << p.stream_bits : 0) | static_cast<uint64_t>(std::abs(v[k])),
                p.stream_bits + 1);
          break;
      }
    }
  }
  return f;
}

// Bits per weight per the table of docs/formats.md.
uint64_t table_bits(size_t words, const CodeParams& p) {
  const uint64_t b = p.word_bits;
  switch (p.format) {
    case Format::tag: return (b + 1) * words;
    case Format::special: return b * (2 * words - 1);
    case Format::lq: return b;
    case Format::linear: return p.stream_bits + 1;
  }
  return 0;
}

CodeParams random_params(std::mt19937_64& rng) {
  const Format f = static_cast<Format>(rng() % 4);
  CodeParams p = params(f, 3 + static_cast<int>(rng() % 6), 1, 1 + static_cast<int>(rng() % 4),
                        4 + static_cast<int>(rng() % 9));
  if (f == Format::lq || f == Format::linear) p.max_words = 1;
  const int fb = field_width(p);
  p.mem_word_bits = fb + static_cast<int>(rng() % (65 - fb));
  return p;
}

WeightWords random_weights(std::mt19937_64& rng, const CodeParams& p, size_t count) {
  WeightWords w;
  const int half = 1 << (p.word_bits - 1);
  const bool via_slq = p.format != Format::linear && (rng() & 1);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  for (size_t i = 0; i < count; ++i) {
    std::vector<int> words;
    if (p.format == Format::linear) {
      const int limit = (1 << p.stream_bits) - 1;
      words.push_back(static_cast<int>(rng() % (2 * limit + 1)) - limit);
    } else if (via_slq) {
      words = slq_quantize(value(rng) * std::exp2(-static_cast<double>(rng() % 8)), p);
    } else {
      const int n = 1 + static_cast<int>(rng() % p.words_limit());
      const int lo = p.format == Format::lq ? -half : -half + 1;  // M only in lq
      for (int k = 0; k < n; ++k) words.push_back(lo + static_cast<int>(rng() % (half - lo)));
    }
    w.add(words);
  }
  return w;
}

std::string describe(const CodeParams& p, size_t count) {
  return std::string(to_string(p.format)) + " b=" + std::to_string(p.word_bits) + " N=" +
         std::to_string(p.stream_bits) + " W=" + std::to_string(p.mem_word_bits) + " L=" +
         std::to_string(p.max_words) + " weights=" + std::to_string(count);
}

TEST(Codec, RoundTripOverRandomParameters) {
  std::mt19937_64 rng(2024);
  int with_padding = 0, w_not_multiple = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const CodeParams p = random_params(rng);
    const size_t count = trial % 10 == 0 ? 0 : rng() % 301;
    const WeightWords w = random_weights(rng, p, count);
    SCOPED_TRACE(describe(p, count) + " trial " + std::to_string(trial));

    const PackedStream s = pack_stream(w, p);
    uint64_t expected_bits = 0;
    for (size_t i = 0; i < count; ++i) expected_bits += table_bits(w.words_of(i), p);
    ASSERT_EQ(s.bits, expected_bits);
    const Fields fields = reference_fields(w, p);
    ASSERT_EQ(fields.bits(), expected_bits);
    ASSERT_EQ(s.mem, fields.mem(p.mem_word_bits));
    ASSERT_EQ(s.mem.size(), (s.bits + p.mem_word_bits - 1) / p.mem_word_bits);

    const WeightWords back = decode_stream(s.mem, count, p, "roundtrip");
    ASSERT_EQ(back.offsets, w.offsets);
    ASSERT_EQ(back.words, w.words);
    with_padding += s.bits % p.mem_word_bits != 0;
    w_not_multiple += p.mem_word_bits % field_width(p) != 0;
  }
  EXPECT_GT(with_padding, 1000);
  EXPECT_GT(w_not_multiple, 1000);
}

TEST(Codec, RoundTripWithNarrowMemoryWords) {
  // W below the field width: fields span several memory words.
  std::mt19937_64 rng(8);
  for (int trial = 0; trial < 500; ++trial) {
    CodeParams p = random_params(rng);
    p.mem_word_bits = 1 + static_cast<int>(rng() % field_width(p));
    const size_t count = rng() % 50;
    const WeightWords w = random_weights(rng, p, count);
    SCOPED_TRACE(describe(p, count));
    const PackedStream s = pack_stream(w, p);
    ASSERT_EQ(s.mem, reference_fields(w, p).mem(p.mem_word_bits));
    ASSERT_EQ(decode_stream(s.mem, count, p), w);
  }
}

TEST(Codec, BitsPerWeightTable) {
  WeightWords one, two, three;
  one.add({3});
  two.add({1, -2});  // codes valid (and not M) for every b >= 3
  three.add({1, 3, -1});
  for (int b = 3; b <= 8; ++b) {
    EXPECT_EQ(pack_stream(one, params(Format::tag, b, 32, 3)).bits, uint64_t(b + 1));
    EXPECT_EQ(pack_stream(two, params(Format::tag, b, 32, 3)).bits, uint64_t(2 * (b + 1)));
    EXPECT_EQ(pack_stream(three, params(Format::tag, b, 32, 3)).bits, uint64_t(3 * (b + 1)));
    EXPECT_EQ(pack_stream(one, params(Format::special, b, 32, 3)).bits, uint64_t(b));
    EXPECT_EQ(pack_stream(two, params(Format::special, b, 32, 3)).bits, uint64_t(3 * b));
    EXPECT_EQ(pack_stream(three, params(Format::special, b, 32, 3)).bits, uint64_t(5 * b));
    EXPECT_EQ(pack_stream(one, params(Format::lq, b, 32, 1)).bits, uint64_t(b));
  }
  for (int N = 4; N <= 12; ++N) EXPECT_EQ(pack_stream(one, params(Format::linear, 5, 32, 1, N)).bits, uint64_t(N + 1));
}

TEST(Codec, PaperExampleBits) {
  WeightWords w;
  w.add({1, -4});
  // special, b = 5, W = 15: 00001 10000 11100.
  PackedStream s = pack_stream(w, params(Format::special, 5, 15, 2));
  ASSERT_EQ(s.mem.size(), 1u);
  EXPECT_EQ(s.mem[0], 0b000011000011100u);
  // tag, W = 12: 1 00001  0 11100.
  s = pack_stream(w, params(Format::tag, 5, 12, 2));
  ASSERT_EQ(s.mem.size(), 1u);
  EXPECT_EQ(s.mem[0], 0b100001011100u);
  // W = 32: left-aligned in the word, zero padded.
  s = pack_stream(w, params(Format::tag, 5, 32, 2));
  ASSERT_EQ(s.mem.size(), 1u);
  EXPECT_EQ(s.mem[0], uint64_t{0b100001011100u} << 20);
}

TEST(Codec, PackRejectsUnrepresentableWords) {
  auto one = [](std::vector<int> words) {
    WeightWords w;
    w.add(words);
    return w;
  };
  EXPECT_THROW(pack_stream(one({1, 2, 3}), params(Format::tag, 5, 32, 2)), InputError);      // > L
  EXPECT_THROW(pack_stream(one({1, 2}), params(Format::lq, 5, 32, 4)), InputError);          // lq: one word
  EXPECT_THROW(pack_stream(one({-16}), params(Format::tag, 5, 32, 2)), InputError);          // M in tag
  EXPECT_THROW(pack_stream(one({2, -16}), params(Format::special, 5, 32, 2)), InputError);   // M in special
  EXPECT_NO_THROW(pack_stream(one({-16}), params(Format::lq, 5, 32, 1)));                   // M is a code in lq
  EXPECT_THROW(pack_stream(one({16}), params(Format::lq, 5, 32, 1)), InputError);            // out of range
  EXPECT_THROW(pack_stream(one({-17}), params(Format::lq, 5, 32, 1)), InputError);
  EXPECT_THROW(pack_stream(one({256}), params(Format::linear, 5, 32, 1, 8)), InputError);    // > N bits
  EXPECT_NO_THROW(pack_stream(one({-255}), params(Format::linear, 5, 32, 1, 8)));
  EXPECT_THROW(pack_stream(one({}), params(Format::special, 5, 32, 2)), InputError);         // no word
}

TEST(Codec, ReadBitsMatchesBitByBitExtraction) {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 2000; ++trial) {
    const int W = 1 + static_cast<int>(rng() % 64);
    std::vector<uint64_t> mem(1 + rng() % 6);
    for (auto& m : mem) m = W == 64 ? rng() : rng() & ((uint64_t{1} << W) - 1);
    const uint64_t total = mem.size() * W;
    const int width = 1 + static_cast<int>(rng() % std::min<uint64_t>(total, 63));
    const uint64_t offset = rng() % (total - width + 1);
    uint64_t want = 0;
    for (uint64_t i = offset; i < offset + width; ++i) want = (want << 1) | ((mem[i / W] >> (W - 1 - i % W)) & 1);
    ASSERT_EQ(read_bits(mem, W, offset, width), want) << "W = " << W << " offset " << offset << " width " << width;
  }
}

// Decoding must fail with a StreamError at this field index and bit offset.
::testing::AssertionResult fails_at(const std::vector<uint64_t>& mem, uint64_t count, const CodeParams& p,
                                    uint64_t field, uint64_t bit) {
  try {
    const WeightWords w = decode_stream(mem, count, p, "w.hex");
    return ::testing::AssertionFailure() << "decoded " << w.weight_count() << " weights without error";
  } catch (const StreamError& e) {
    if (e.field_index() != field || e.bit_offset() != bit || e.where() != "w.hex")
      return ::testing::AssertionFailure() << "got field " << e.field_index() << ", bit " << e.bit_offset()
                                           << " in '" << e.where() << "': " << e.what();
    const std::string what = e.what();
    if (what.find("field " + std::to_string(field)) == std::string::npos ||
        what.find(std::to_string(bit)) == std::string::npos || e.reason().empty())
      return ::testing::AssertionFailure() << "message lacks the position or reason: " << what;
    return ::testing::AssertionSuccess() << what;
  }
}

uint64_t tag_field(int t, int code, int b = 5) { return (uint64_t(t) << b) | (static_cast<uint64_t>(code) & ((1u << b) - 1)); }

TEST(CodecMalformed, TagStreamEndsInsideAWeight) {
  Fields f;
  f.add(tag_field(0, 1), 6).add(tag_field(1, 2), 6);  // weight 1's last word says "more follows"
  for (int W : {6, 12, 16, 17}) {  // no padding, or less padding than one field
    SCOPED_TRACE(W);
    EXPECT_TRUE(fails_at(f.mem(W), 2, params(Format::tag, 5, W, 2), 2, 12));
    EXPECT_TRUE(fails_at(f.mem(W), 3, params(Format::tag, 5, W, 2), 2, 12));
  }
}

TEST(CodecMalformed, SpecialMarkerWithNoFollowingWord) {
  Fields f;
  const int M = -16;
  f.add(1, 5).add(M, 5);
  for (int W : {5, 10, 13, 14}) {
    SCOPED_TRACE(W);
    EXPECT_TRUE(fails_at(f.mem(W), 1, params(Format::special, 5, W, 2), 2, 10));
    EXPECT_TRUE(fails_at(f.mem(W), 2, params(Format::special, 5, W, 2), 2, 10));
  }
}

TEST(CodecMalformed, CodeMInTag) {
  Fields f;
  f.add(tag_field(1, 3), 6).add(tag_field(0, -16), 6).add(tag_field(0, 1), 6);
  EXPECT_TRUE(fails_at(f.mem(32), 2, params(Format::tag, 5, 32, 2), 1, 6));
  Fields g;
  g.add(tag_field(0, -16), 6);  // M starting a weight
  EXPECT_TRUE(fails_at(g.mem(8), 1, params(Format::tag, 5, 8, 2), 0, 0));
  Fields h;
  for (int i = 0; i < 7; ++i) h.add(tag_field(0, i), 6);
  h.add(tag_field(0, -16), 6);
  EXPECT_TRUE(fails_at(h.mem(7), 8, params(Format::tag, 5, 7, 2), 7, 42));
}

TEST(CodecMalformed, SpecialMarkerFollowedByMarker) {
  Fields f;
  f.add(1, 5).add(-16, 5).add(-16, 5).add(2, 5);
  EXPECT_TRUE(fails_at(f.mem(32), 1, params(Format::special, 5, 32, 3), 2, 10));
  Fields g;  // b = 8: M = 10000000
  g.add(3, 8).add(7, 8).add(-128, 8).add(-128, 8).add(2, 8);
  EXPECT_TRUE(fails_at(g.mem(64), 2, params(Format::special, 8, 64, 4), 3, 24));
}

TEST(CodecMalformed, SpecialMarkerBeforeTheFirstWeight) {
  Fields f;
  f.add(-16, 5).add(1, 5);
  EXPECT_TRUE(fails_at(f.mem(32), 1, params(Format::special, 5, 32, 2), 0, 0));
  EXPECT_TRUE(fails_at(f.mem(32), 2, params(Format::special, 5, 32, 2), 0, 0));
}

TEST(CodecMalformed, StreamShorterThanTheMetadata) {
  // W = field width leaves no padding that could pass for a field.
  for (Format fmt : {Format::tag, Format::special, Format::lq, Format::linear}) {
    const CodeParams p0 = params(fmt, 5, 1, fmt == Format::tag || fmt == Format::special ? 2 : 1);
    CodeParams p = p0;
    p.mem_word_bits = field_width(p);
    WeightWords w;
    w.add({1});
    w.add({-3});
    w.add({2});
    const PackedStream s = pack_stream(w, p);
    SCOPED_TRACE(to_string(fmt));
    const uint64_t fb = field_width(p);
    EXPECT_TRUE(fails_at(s.mem, 4, p, 3, 3 * fb));
    EXPECT_TRUE(fails_at(s.mem, 100, p, 3, 3 * fb));
    EXPECT_TRUE(fails_at({}, 1, p, 0, 0));
  }
  // special whose last weight has two words: 1 | 2 M 3 -> 4 fields.
  Fields f;
  f.add(1, 5).add(2, 5).add(-16, 5).add(3, 5);
  EXPECT_TRUE(fails_at(f.mem(5), 3, params(Format::special, 5, 5, 2), 4, 20));
}

TEST(CodecMalformed, MoreThanLWords) {
  Fields tag;
  tag.add(tag_field(1, 1), 6).add(tag_field(1, 2), 6).add(tag_field(0, 3), 6);
  EXPECT_TRUE(fails_at(tag.mem(32), 1, params(Format::tag, 5, 32, 2), 2, 12));
  EXPECT_NO_THROW(decode_stream(tag.mem(32), 1, params(Format::tag, 5, 32, 3)));

  Fields special;  // weight 0 = 1 M 2 M 3 with L = 2, then weight 1 = 4
  special.add(1, 5).add(-16, 5).add(2, 5).add(-16, 5).add(3, 5).add(4, 5);
  EXPECT_TRUE(fails_at(special.mem(32), 2, params(Format::special, 5, 32, 2), 3, 15));
  EXPECT_NO_THROW(decode_stream(special.mem(32), 2, params(Format::special, 5, 32, 3)));

  Fields one;  // L = 1: any marker is one word too many
  one.add(1, 5).add(-16, 5).add(2, 5).add(3, 5);
  EXPECT_TRUE(fails_at(one.mem(32), 2, params(Format::special, 5, 32, 1), 1, 5));
}

TEST(CodecMalformed, MemoryWordsAfterTheEnd) {
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 300; ++trial) {
    const CodeParams p = random_params(rng);
    const size_t count = rng() % 40;
    const WeightWords w = random_weights(rng, p, count);
    const PackedStream s = pack_stream(w, p);
    std::vector<uint64_t> mem = s.mem;
    mem.push_back(trial % 2 ? 0 : 1);
    SCOPED_TRACE(describe(p, count));
    ASSERT_TRUE(fails_at(mem, count, p, s.bits / field_width(p), s.bits));
  }
}

TEST(CodecMalformed, NonzeroPadding) {
  std::mt19937_64 rng(13);
  int tested = 0;
  for (int trial = 0; trial < 600; ++trial) {
    const CodeParams p = random_params(rng);
    const size_t count = rng() % 40;
    const WeightWords w = random_weights(rng, p, count);
    const PackedStream s = pack_stream(w, p);
    if (s.bits % p.mem_word_bits == 0) continue;  // no padding to corrupt
    std::vector<uint64_t> mem = s.mem;
    mem.back() |= 1;  // the last padding bit
    SCOPED_TRACE(describe(p, count));
    ASSERT_TRUE(fails_at(mem, count, p, s.bits / field_width(p), s.bits));
    ++tested;
  }
  EXPECT_GT(tested, 300);
}

TEST(CodecMalformed, WordWiderThanWIsAnInputError) {
  try {
    decode_stream({0x1, 0x100}, 1, params(Format::lq, 5, 8, 1), "w.hex");
    FAIL() << "no error";
  } catch (const StreamError&) {
    FAIL() << "not a stream error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "w.hex");
    EXPECT_NE(e.position().find("1"), std::string::npos) << e.what();
  }
}

// Found by fuzz/fuzz_stream: a weight count from a file (up to 2^64 - 1) was reserved up front,
// so decode_stream threw std::length_error or aborted in the allocator instead of reporting the
// stream that ends early.
TEST(CodecMalformed, HugeWeightCountIsAStreamThatEndsEarly) {
  for (uint64_t count : {UINT64_MAX, UINT64_MAX / 2, uint64_t{1} << 40}) {
    SCOPED_TRACE(count);
    try {
      decode_stream({0x12345678}, count, params(Format::lq, 5, 32, 1), "w.hex");
      FAIL() << "no error";
    } catch (const StreamError& e) {
      EXPECT_NE(e.reason().find("stream ends after 6 of"), std::string::npos) << e.what();
    }
  }
}

// Checks a successful decode of an arbitrary image against the format's rules.
void check_decoded(const WeightWords& w, const std::vector<uint64_t>& mem, uint64_t count, const CodeParams& p) {
  ASSERT_EQ(w.weight_count(), count);
  const int half = 1 << (p.word_bits - 1);
  for (size_t i = 0; i < count; ++i) {
    ASSERT_GE(w.words_of(i), 1u);
    ASSERT_LE(w.words_of(i), static_cast<size_t>(p.words_limit()));
    for (size_t k = 0; k < w.words_of(i); ++k) {
      const int v = w.begin_of(i)[k];
      if (p.format == Format::linear) {
        ASSERT_LE(std::abs(v), (1 << p.stream_bits) - 1);
      } else {
        ASSERT_GE(v, -half);
        ASSERT_LT(v, half);
        if (p.format != Format::lq) {
          ASSERT_NE(v, -half);
        }
      }
    }
  }
  // The decoded weights re-pack to the same image (linear: up to the sign of zero).
  const PackedStream again = pack_stream(w, p);
  ASSERT_EQ(again.mem.size(), mem.size());
  if (p.format != Format::linear) {
    ASSERT_EQ(again.mem, mem);
  }
  ASSERT_EQ(decode_stream(again.mem, count, p), w);
}

TEST(CodecFuzz, RandomImagesDecodeOrFailCleanly) {
  std::mt19937_64 rng(77);
  int decoded = 0, failed = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    const CodeParams p = random_params(rng);
    const int W = p.mem_word_bits, fb = field_width(p);
    std::vector<uint64_t> mem;
    uint64_t count = 0;
    if (trial % 2 == 0) {  // random words
      mem.resize(rng() % 12);
      for (auto& m : mem) {
        m = W == 64 ? rng() : rng() & ((uint64_t{1} << W) - 1);
        if (rng() % 4 == 0) m &= rng();  // more zero bits: plausible codes and padding
      }
      count = rng() % (mem.size() * W / fb + 3);
    } else {  // a valid image with one bit flipped, a word dropped or a word added
      count = rng() % 30;
      mem = pack_stream(random_weights(rng, p, count), p).mem;
      const int how = static_cast<int>(rng() % 4);
      if (how == 0 && !mem.empty()) mem.pop_back();
      else if (how == 1) mem.push_back(rng() & ((uint64_t{1} << std::min(W, 63)) - 1));
      else if (!mem.empty()) mem[rng() % mem.size()] ^= uint64_t{1} << (rng() % W);
      if (rng() % 5 == 0) count += rng() % 3 - 1;
      if (count > 1000) count = 0;
    }
    SCOPED_TRACE(describe(p, count) + " memory words " + std::to_string(mem.size()) + " trial " +
                 std::to_string(trial));
    try {
      const WeightWords w = decode_stream(mem, count, p, "fuzz");
      check_decoded(w, mem, count, p);
      if (::testing::Test::HasFatalFailure()) return;
      ++decoded;
    } catch (const StreamError& e) {
      ASSERT_EQ(e.bit_offset(), e.field_index() * fb) << e.what();
      ASSERT_LE(e.bit_offset(), mem.size() * W) << e.what();
      ++failed;
    } catch (const InputError& e) {
      FAIL() << "only stream errors are expected for in-range words: " << e.what();
    } catch (const std::exception& e) {
      FAIL() << "unexpected exception: " << e.what();
    }
  }
  EXPECT_GT(decoded, 200);
  EXPECT_GT(failed, 200);
}

TEST(FieldDecoder, SpecialPeeksAfterTheLastWeight) {
  const CodeParams p = params(Format::special, 5, 32, 3);
  const uint64_t M = 0b10000;
  FieldDecoder d(p, 2, "dec");
  EXPECT_FALSE(d.complete());
  EXPECT_FALSE(d.may_continue());
  EXPECT_THROW(d.finish(0), StreamError);

  FieldEvent ev = d.next(5, 0);
  EXPECT_EQ(ev.kind, FieldEvent::term);
  EXPECT_TRUE(ev.first);
  EXPECT_EQ(ev.weight, 0u);
  EXPECT_EQ(ev.value, 5);
  EXPECT_FALSE(d.may_continue());  // weight 1 has not started

  ev = d.next(0b11111, 5);  // -1 starts weight 1
  EXPECT_EQ(ev.kind, FieldEvent::term);
  EXPECT_EQ(ev.value, -1);
  EXPECT_EQ(ev.weight, 1u);
  EXPECT_TRUE(ev.first);
  EXPECT_FALSE(d.complete());
  EXPECT_TRUE(d.may_continue());
  EXPECT_NO_THROW(d.finish(10));  // the image may end here

  // A zero field here is padding: not consumed, the stream ends.
  {
    FieldDecoder copy = d;
    const FieldEvent end = copy.next(0, 10);
    EXPECT_EQ(end.kind, FieldEvent::end);
    EXPECT_FALSE(end.consumed);
    EXPECT_EQ(copy.fields(), 2u);
  }

  ev = d.next(M, 10);
  EXPECT_EQ(ev.kind, FieldEvent::marker);
  EXPECT_TRUE(ev.consumed);
  EXPECT_EQ(ev.weight, 1u);
  EXPECT_FALSE(d.may_continue());
  EXPECT_FALSE(d.complete());
  try {
    d.finish(15);
    FAIL() << "a marker needs a following word";
  } catch (const StreamError& e) {
    EXPECT_EQ(e.field_index(), 3u);
    EXPECT_EQ(e.bit_offset(), 15u);
    EXPECT_EQ(e.where(), "dec");
  }

  ev = d.next(0, 15);  // a zero word after a marker is a word, not padding
  EXPECT_EQ(ev.kind, FieldEvent::zero);
  EXPECT_TRUE(ev.consumed);
  EXPECT_FALSE(ev.first);
  EXPECT_EQ(ev.weight, 1u);
  EXPECT_TRUE(d.may_continue());  // 2 of L = 3 words

  ev = d.next(M, 20);
  EXPECT_EQ(ev.kind, FieldEvent::marker);
  ev = d.next(7, 25);
  EXPECT_EQ(ev.kind, FieldEvent::term);
  EXPECT_EQ(ev.value, 7);
  EXPECT_TRUE(d.complete());  // L words: no continuation possible
  EXPECT_FALSE(d.may_continue());
  EXPECT_EQ(d.fields(), 6u);
}

TEST(FieldDecoder, TagAndLqCompleteAfterTheLastWeight) {
  FieldDecoder tag(params(Format::tag, 5, 32, 2), 1);
  EXPECT_FALSE(tag.complete());
  FieldEvent ev = tag.next(tag_field(1, 2), 0);
  EXPECT_EQ(ev.kind, FieldEvent::term);
  EXPECT_FALSE(tag.complete());
  EXPECT_FALSE(tag.may_continue());
  EXPECT_THROW(tag.finish(6), StreamError);
  ev = tag.next(tag_field(0, -3), 6);
  EXPECT_EQ(ev.value, -3);
  EXPECT_FALSE(ev.first);
  EXPECT_TRUE(tag.complete());
  EXPECT_FALSE(tag.may_continue());

  FieldDecoder lq(params(Format::lq, 5, 32, 1), 1);
  ev = lq.next(0b10000, 0);  // M is -2^-16 in lq
  EXPECT_EQ(ev.kind, FieldEvent::term);
  EXPECT_EQ(ev.value, -16);
  EXPECT_TRUE(lq.complete());

  FieldDecoder linear(params(Format::linear, 5, 32, 1, 8), 2);
  ev = linear.next((1u << 8) | 200, 0);
  EXPECT_EQ(ev.value, -200);
  ev = linear.next(0, 9);
  EXPECT_EQ(ev.kind, FieldEvent::zero);
  EXPECT_EQ(ev.weight, 1u);
  EXPECT_TRUE(linear.complete());

  FieldDecoder none(params(Format::special, 5, 32, 2), 0);
  EXPECT_TRUE(none.complete());
  EXPECT_EQ(decode_stream({}, 0, params(Format::special, 5, 32, 2)).weight_count(), 0u);
}

}  // namespace
}  // namespace slq
