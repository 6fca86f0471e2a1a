// Memory images on disk (docs/formats.md): hex text + JSON sidecar round trip, errors that name the file
// and the line or key, and decoding of truncated or corrupted images.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/codec/codec.h"
#include "models/codec/memimage.h"
#include "models/quant/quant.h"

namespace slq {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test (tests may run in parallel processes).
std::string temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("slq_memimage_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  ASSERT_TRUE(out) << path;
  out << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// An image of quantized random weights of shape {4, 3, 2, 2}.
MemoryImage make_image(Format f, int W, uint64_t seed, WeightWords* words_out = nullptr) {
  MemoryImage img;
  img.layer = "conv1";
  img.params.format = f;
  img.params.word_bits = 5;
  img.params.stream_bits = 8;
  img.params.mem_word_bits = W;
  img.params.max_words = (f == Format::tag || f == Format::special) ? 3 : 1;
  img.params.theta = 0.01 * (seed % 3);
  img.params.rounding = seed % 2 ? Rounding::linear : Rounding::log;
  img.shape = {4, 3, 2, 2};
  img.weight_count = 48;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 0.1);
  std::vector<double> w(48);
  double max_abs = 0;
  for (double& x : w) {
    x = normal(rng);
    max_abs = std::max(max_abs, std::fabs(x));
  }
  WeightWords words;
  const int u = scale_exponent(max_abs);
  img.linear_step = linear_step(max_abs, img.params.stream_bits);
  for (double x : w) {
    if (f == Format::linear) words.add({linear_quantize(x, img.linear_step, img.params.stream_bits)});
    else words.add(slq_quantize(std::ldexp(x, -u), img.params));
  }
  img.scale_exponents = {u};
  img.stream = pack_stream(words, img.params);
  if (words_out) *words_out = words;
  return img;
}

void write_image(const MemoryImage& img, const std::string& hex_path) {
  write_file(hex_path, image_hex_text(img));
  write_file(sidecar_path(hex_path), image_sidecar_text(img));
}

// read_image must throw an InputError naming `file`, with `position_part` in its position.
::testing::AssertionResult read_fails(const std::string& hex_path, const std::string& file,
                                      const std::string& position_part) {
  try {
    read_image(hex_path);
    return ::testing::AssertionFailure() << "read without error";
  } catch (const InputError& e) {
    // "line 3" must not match "line 30": the part ends the position or is followed by a comma.
    const size_t at = e.position().find(position_part);
    const size_t end = at + position_part.size();
    const bool named = at != std::string::npos &&
                       (end == e.position().size() || !std::isdigit(static_cast<unsigned char>(e.position()[end])));
    if (e.where() != file || !named || e.reason().empty())
      return ::testing::AssertionFailure() << "where '" << e.where() << "', position '" << e.position()
                                           << "': " << e.what();
    return ::testing::AssertionSuccess();
  }
}

TEST(MemImage, SidecarPath) {
  EXPECT_EQ(sidecar_path("out/conv1.hex"), "out/conv1.json");
  EXPECT_EQ(sidecar_path("conv1.hex"), "conv1.json");
  EXPECT_EQ(sidecar_path("out.d/conv1"), "out.d/conv1.json");
}

TEST(MemImage, RoundTrip) {
  const std::string dir = temp_dir();
  int n = 0;
  for (Format f : {Format::tag, Format::special, Format::lq, Format::linear}) {
    for (int W : {4, 5, 13, 32, 64}) {
      WeightWords words;
      const MemoryImage img = make_image(f, W, 100 + n, &words);
      const std::string hex = dir + "/img" + std::to_string(n++) + ".hex";
      write_image(img, hex);
      SCOPED_TRACE(std::string(to_string(f)) + " W=" + std::to_string(W));

      // The hex text is $readmemh-style: one word per line, ceil(W/4) hex digits.
      const std::vector<std::string> lines = lines_of(read_file(hex));
      ASSERT_EQ(lines.size(), img.stream.mem.size());
      for (size_t i = 0; i < lines.size(); ++i) {
        ASSERT_EQ(lines[i].size(), static_cast<size_t>((W + 3) / 4)) << lines[i];
        ASSERT_EQ(std::stoull(lines[i], nullptr, 16), img.stream.mem[i]) << "line " << i + 1;
      }

      const MemoryImage back = read_image(hex);
      EXPECT_EQ(back.layer, img.layer);
      EXPECT_EQ(back.params.format, img.params.format);
      EXPECT_EQ(back.params.word_bits, img.params.word_bits);
      EXPECT_EQ(back.params.stream_bits, img.params.stream_bits);
      EXPECT_EQ(back.params.mem_word_bits, img.params.mem_word_bits);
      EXPECT_EQ(back.params.max_words, img.params.max_words);
      EXPECT_EQ(back.params.theta, img.params.theta);
      EXPECT_EQ(back.params.rounding, img.params.rounding);
      EXPECT_EQ(back.shape, img.shape);
      EXPECT_EQ(back.weight_count, img.weight_count);
      EXPECT_EQ(back.scale_exponents, img.scale_exponents);
      EXPECT_EQ(back.linear_step, img.linear_step);  // exact: JSON keeps every double bit
      EXPECT_EQ(back.stream.bits, img.stream.bits);
      EXPECT_EQ(back.stream.mem, img.stream.mem);
      EXPECT_EQ(decode_stream(back.stream.mem, back.weight_count, back.params, hex), words);
    }
  }
}

TEST(MemImage, ReadsCommentsBlankLinesAndUnderscores) {
  const std::string dir = temp_dir();
  const MemoryImage img = make_image(Format::special, 32, 7);
  const std::string hex = dir + "/c.hex";
  write_image(img, hex);
  std::vector<std::string> lines = lines_of(read_file(hex));
  ASSERT_GE(lines.size(), 2u);
  lines.insert(lines.begin(), "// weights of conv1");
  lines.insert(lines.begin() + 2, "");
  lines[1] = lines[1].substr(0, 4) + "_" + lines[1].substr(4) + "  // first word";
  write_file(hex, join_lines(lines));
  EXPECT_EQ(read_image(hex).stream.mem, img.stream.mem);
}

TEST(MemImageErrors, NonHexCharacterNamesFileAndLine) {
  const std::string dir = temp_dir();
  const MemoryImage img = make_image(Format::tag, 32, 1);
  const std::string hex = dir + "/a.hex";
  write_image(img, hex);
  std::vector<std::string> lines = lines_of(read_file(hex));
  ASSERT_GE(lines.size(), 3u);
  lines[2][3] = 'g';
  write_file(hex, join_lines(lines));
  EXPECT_TRUE(read_fails(hex, hex, "line 3"));
}

TEST(MemImageErrors, WordWiderThanWNamesFileAndLine) {
  const std::string dir = temp_dir();
  const MemoryImage img = make_image(Format::lq, 16, 2);
  const std::string hex = dir + "/b.hex";
  write_image(img, hex);
  std::vector<std::string> lines = lines_of(read_file(hex));
  ASSERT_GE(lines.size(), 2u);
  lines[1] = "1" + lines[1];  // 17 bits
  write_file(hex, join_lines(lines));
  EXPECT_TRUE(read_fails(hex, hex, "line 2"));
  // W = 13 in 4 hex digits: a value of 14 bits is too wide.
  const MemoryImage narrow = make_image(Format::lq, 13, 2);
  write_image(narrow, hex);
  lines = lines_of(read_file(hex));
  lines[0] = "2000";
  write_file(hex, join_lines(lines));
  EXPECT_TRUE(read_fails(hex, hex, "line 1"));
  lines[0] = "1fff";  // 13 bits fit
  write_file(hex, join_lines(lines));
  EXPECT_NO_THROW(read_image(hex));
}

TEST(MemImageErrors, WordCountMismatchNamesFileAndLine) {
  const std::string dir = temp_dir();
  const MemoryImage img = make_image(Format::special, 32, 3);
  const std::string hex = dir + "/c.hex";
  write_image(img, hex);
  const std::vector<std::string> lines = lines_of(read_file(hex));
  const size_t n = lines.size();
  ASSERT_GE(n, 2u);
  // One word too many: the first extra word is on line n + 1.
  std::vector<std::string> more = lines;
  more.push_back(lines.back());
  write_file(hex, join_lines(more));
  EXPECT_TRUE(read_fails(hex, hex, "line " + std::to_string(n + 1)));
  // The same with a comment line first: the extra word is on line n + 2.
  more.insert(more.begin(), "// header");
  write_file(hex, join_lines(more));
  EXPECT_TRUE(read_fails(hex, hex, "line " + std::to_string(n + 2)));
  // One word missing: the file ends at line n - 1, the word was due on line n.
  std::vector<std::string> fewer(lines.begin(), lines.end() - 1);
  write_file(hex, join_lines(fewer));
  EXPECT_TRUE(read_fails(hex, hex, "line " + std::to_string(n)));
}

TEST(MemImageErrors, MissingSidecarKeyNamesSidecarAndKey) {
  const std::string dir = temp_dir();
  const MemoryImage img = make_image(Format::tag, 32, 4);
  const std::string hex = dir + "/d.hex";
  for (const char* key : {"format", "word_bits", "mem_word_bits", "weight_count", "memory_words", "shape"}) {
    write_image(img, hex);
    nlohmann::json j = nlohmann::json::parse(read_file(sidecar_path(hex)));
    ASSERT_TRUE(j.contains(key)) << key;
    j.erase(key);
    write_file(sidecar_path(hex), j.dump(2));
    EXPECT_TRUE(read_fails(hex, sidecar_path(hex), key)) << key;
  }
  // A bad value names its key too.
  write_image(img, hex);
  nlohmann::json j = nlohmann::json::parse(read_file(sidecar_path(hex)));
  j["format"] = "huffman";
  write_file(sidecar_path(hex), j.dump(2));
  try {
    read_image(hex);
    ADD_FAILURE() << "unknown format accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(sidecar_path(hex)), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("format"), std::string::npos) << e.what();
  }
  j["format"] = "tag";
  j["weight_count"] = 47;  // shape says 48
  write_file(sidecar_path(hex), j.dump(2));
  EXPECT_TRUE(read_fails(hex, sidecar_path(hex), "weight_count"));
}

TEST(MemImageErrors, InvalidJsonNamesSidecar) {
  const std::string dir = temp_dir();
  const MemoryImage img = make_image(Format::tag, 32, 5);
  const std::string hex = dir + "/e.hex";
  write_image(img, hex);
  std::string side = read_file(sidecar_path(hex));
  const size_t cut = side.find("\"word_bits\"");
  ASSERT_NE(cut, std::string::npos);
  write_file(sidecar_path(hex), side.substr(0, cut) + "\"word_bits\": five,\n" + side.substr(cut));
  try {
    read_image(hex);
    ADD_FAILURE() << "invalid JSON accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), sidecar_path(hex));
    EXPECT_FALSE(e.position().empty()) << e.what();
    // The position points at the bad token ("byte N" counts from 1).
    const size_t at = e.position().find_first_of("0123456789");
    ASSERT_NE(at, std::string::npos) << e.what();
    const size_t byte = std::stoul(e.position().substr(at));
    const size_t bad = cut + std::string("\"word_bits\": ").size();
    EXPECT_GE(byte, bad) << e.what();
    EXPECT_LE(byte, bad + 5) << e.what();
  }
  write_file(sidecar_path(hex), "");
  EXPECT_TRUE(read_fails(hex, sidecar_path(hex), ""));
  write_file(sidecar_path(hex), "[1, 2]");
  EXPECT_TRUE(read_fails(hex, sidecar_path(hex), ""));
  fs::remove(sidecar_path(hex));
  EXPECT_TRUE(read_fails(hex, sidecar_path(hex), ""));
}

// Every sidecar key is read with a type and range check that names the key: no silent
// conversion (5.9 -> 5, 4294967301 -> 5 by wrapping), no library text ("[json.exception...]"),
// and numbers JSON cannot hold (1e999) are bad input, not an internal error.
TEST(MemImageErrors, SidecarValuesAreTypeAndRangeChecked) {
  const std::string dir = temp_dir();
  const MemoryImage img = make_image(Format::tag, 32, 4);
  const std::string hex = dir + "/r.hex";
  write_image(img, hex);
  const std::string good = read_file(sidecar_path(hex));
  ASSERT_NO_THROW(read_image(hex));
  // (key, JSON text of its value, words the reason must contain)
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"word_bits", "4294967301", "integer in 2..8, got 4294967301"},
      {"word_bits", "5.9", "must be an integer in 2..8, got 5.9"},
      {"word_bits", "\"5\"", "got a string"},
      {"word_bits", "-4294967291", "got -4294967291"},
      {"word_bits", "18446744073709551621", "integer in 2..8, got 1.8446744073709552e+19"},
      {"mem_word_bits", "65", "1..64"},
      {"max_words", "true", "got a boolean"},
      {"memory_words", "-1", "whole number of at least 0, got -1"},
      {"memory_words", "1e999", "number overflow"},
      {"memory_words", "3.5", "got 3.5"},
      {"weight_count", "0", "at least 1, got 0"},
      {"stream_bit_count", "null", "got a null"},
      {"theta", "1", "[0, 1), got 1"},
      {"theta", "-0.5", "[0, 1)"},
      {"theta", "[]", "got a array"},
      {"linear_step", "-1e-3", "at least 0"},
      {"linear_step", "-1e999", "number overflow"},
      {"shape", "[4, 3, -2, 2]", "integer of at least 1, got -2"},
      {"shape", "[4, 3, 2.0, 2]", "got 2.0"},
      {"shape", "{}", "list of integers, got a object"},
      {"shape", "[4294967296, 4294967296, 16, 3]", "overflows"},
      {"scale_exponents", "[4294967297]", "in -1100..1100, got 4294967297"},
      {"layer", "7", "must be a string, got a number"},
      {"format", "[\"tag\"]", "must be a string"},
  };
  for (const auto& [key, value, reason] : cases) {
    const std::string pattern = "\"" + key + "\": ";
    const size_t at = good.find(pattern);
    ASSERT_NE(at, std::string::npos) << key;
    size_t end = at + pattern.size();  // the value ends at the comma or newline after it (lists: at ']')
    end = good[end] == '[' ? good.find(']', end) + 1 : good.find_first_of(",\n", end);
    write_file(sidecar_path(hex), good.substr(0, at + pattern.size()) + value + good.substr(end));
    try {
      read_image(hex);
      ADD_FAILURE() << key << ": " << value << " accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(e.where(), sidecar_path(hex)) << e.what();
      if (reason != "number overflow") EXPECT_NE(e.position().find("key '" + key + "'"), std::string::npos) << e.what();
      if (key == "shape" && value.find('-') != std::string::npos) EXPECT_EQ(e.position(), "key 'shape', element 2");
      EXPECT_NE(e.reason().find(reason), std::string::npos) << key << ": " << value << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).find("json.exception"), std::string::npos) << e.what();
    }
  }
}

// Rewrites the image's hex lines and keeps the sidecar's word count in step, so that the image
// reads cleanly and the damage is found by the decoder.
void rewrite_lines(const std::string& hex, const std::vector<std::string>& lines) {
  write_file(hex, join_lines(lines));
  nlohmann::json j = nlohmann::json::parse(read_file(sidecar_path(hex)));
  j["memory_words"] = lines.size();
  write_file(sidecar_path(hex), j.dump(2));
}

::testing::AssertionResult decode_fails_at(const std::string& hex, uint64_t field, uint64_t bit) {
  const MemoryImage img = read_image(hex);
  try {
    decode_stream(img.stream.mem, img.weight_count, img.params, hex);
    return ::testing::AssertionFailure() << "decoded without error";
  } catch (const StreamError& e) {
    if (e.where() != hex || e.field_index() != field || e.bit_offset() != bit)
      return ::testing::AssertionFailure() << "got field " << e.field_index() << " bit " << e.bit_offset() << ": "
                                           << e.what();
    return ::testing::AssertionSuccess();
  }
}

TEST(MemImageDecode, TruncatedAndCorruptedImagesReportThePosition) {
  const std::string dir = temp_dir();
  const std::string hex = dir + "/f.hex";
  // tag with W = b + 1: one field per line, so line k holds field k - 1 at bit 6 (k - 1).
  const MemoryImage img = make_image(Format::tag, 6, 9);
  write_image(img, hex);
  const std::vector<std::string> lines = lines_of(read_file(hex));
  const size_t n = lines.size();
  ASSERT_GE(n, 48u);
  ASSERT_NO_THROW(decode_stream(read_image(hex).stream.mem, 48, img.params, hex));

  // Truncated by one line: the stream ends at field n - 1.
  rewrite_lines(hex, std::vector<std::string>(lines.begin(), lines.end() - 1));
  EXPECT_TRUE(decode_fails_at(hex, n - 1, 6 * (n - 1)));
  // Truncated to half.
  rewrite_lines(hex, std::vector<std::string>(lines.begin(), lines.begin() + n / 2));
  EXPECT_TRUE(decode_fails_at(hex, n / 2, 6 * (n / 2)));
  // Line 5 replaced by M (t = 0, code 10000): invalid in tag.
  std::vector<std::string> bad = lines;
  bad[4] = "10";
  rewrite_lines(hex, bad);
  EXPECT_TRUE(decode_fails_at(hex, 4, 24));
  // An extra word after the end.
  bad = lines;
  bad.push_back("00");
  rewrite_lines(hex, bad);
  EXPECT_TRUE(decode_fails_at(hex, n, 6 * n));

  // special with W = 32: a nonzero padding bit and an M M pair.
  const MemoryImage sp = make_image(Format::special, 32, 10);
  write_image(sp, hex);
  const uint64_t bits = sp.stream.bits;
  ASSERT_NE(bits % 32, 0u) << "pick another seed: the stream fills its last word";
  std::vector<std::string> sl = lines_of(read_file(hex));
  std::ostringstream last;
  last << std::hex << (sp.stream.mem.back() | 1);
  sl.back() = last.str();
  rewrite_lines(hex, sl);
  EXPECT_TRUE(decode_fails_at(hex, bits / 5, bits));
  // Fields 0..2 become 1, M, M (the first word's top 15 bits).
  sl = lines_of(read_file(hex));
  std::ostringstream first;
  first << std::hex << ((sp.stream.mem[0] & 0x1FFFF) | (uint64_t{0b000011000010000} << 17));
  sl[0] = first.str();
  rewrite_lines(hex, sl);
  EXPECT_TRUE(decode_fails_at(hex, 2, 10));
}

}  // namespace
}  // namespace slq
