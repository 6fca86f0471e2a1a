// The quantize, encode and decode subcommands, run as the real slqsim binary: code words of
// docs/formats.md and docs/quantization.md, images of the shipped model in every format, and every class of malformed image.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "models/io/onnx_model.h"
#include "models/nn/qnet.h"
#include "tb/app/options.h"

namespace fs = std::filesystem;

#include "tests/tb/cli_test_util.h"

namespace {

using slq::test::kModel;
using slq::test::read_text;
using slq::test::Result;
using slq::test::slqsim;

// A fresh directory per test, removed afterwards.
struct TempDir : slq::test::TempDir {
  TempDir() : slq::test::TempDir("slqsim_test_codec") {}
};

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path);
  for (const auto& line : lines) out << line << '\n';
}

// The one-line error of a malformed image: "slqsim: error: FILE: field F, bit offset O: reason".
::testing::AssertionResult fails_with_position(const Result& r, const std::string& file, const std::string& reason) {
  static const std::regex pattern("^slqsim: error: (.*): field [0-9]+, bit offset [0-9]+: (.*)\n$");
  std::smatch m;
  if (r.exit_code != 2) return ::testing::AssertionFailure() << "exit " << r.exit_code << ": " << r.err;
  if (!std::regex_match(r.err, m, pattern) || m[1] != file || m[2].str().find(reason) == std::string::npos)
    return ::testing::AssertionFailure() << "stderr: " << r.err;
  return ::testing::AssertionSuccess();
}

// The shipped model's compute layers: sanitized name and weight count.
std::vector<std::pair<std::string, size_t>> model_layers() {
  const slq::Network net = slq::load_onnx(kModel);
  std::vector<std::pair<std::string, size_t>> out;
  for (size_t i : slq::compute_ops(net)) out.emplace_back(slq::sanitize_name(net.ops[i].name), net.ops[i].weight.size());
  return out;
}

// Encodes the shipped model in `format` into dir/images; returns the first layer's hex path.
std::string encode_first_layer(const TempDir& dir, const std::string& format) {
  const Result r = slqsim(dir, "encode --model '" + kModel + "' --format " + format + " --out '" + (dir / "images") + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir / ("images/" + model_layers().front().first + "." + format + ".hex");
}

const char* const kFormats[] = {"tag", "special", "lq", "linear"};

}  // namespace

TEST(QuantizeCommand, PrintsTheSeedExample) {
  TempDir dir;
  Result r = slqsim(dir, "quantize --bits 5 --L 2 --theta 0 --format special 0.4375");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("00001 11100"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("value 0.4375  error 0 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stream 00001 10000 11100"), std::string::npos) << r.out;  // marker between words

  r = slqsim(dir, "quantize --L 1 0.4375");  // LQ alone: 0.5, an error of 0.0625 (docs/quantization.md)
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0.4375  00001  value 0.5  error 0.0625  stream 00001\n");

  r = slqsim(dir, "quantize --format tag 0.4375");  // t = 1 on every word but the last
  EXPECT_NE(r.out.find("stream 100001 011100"), std::string::npos) << r.out;
}

TEST(QuantizeCommand, OneLinePerValueIncludingNegativeAndZero) {
  TempDir dir;
  const Result r = slqsim(dir, "quantize --format lq -0.5 0 -0.0000152587890625");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string a, b, c;
  std::getline(lines, a), std::getline(lines, b), std::getline(lines, c);
  EXPECT_NE(a.find(" 11111 "), std::string::npos) << a;  // -2^-1
  EXPECT_NE(b.find(" 00000 "), std::string::npos) << b;  // zero code
  EXPECT_NE(c.find(" 10000 "), std::string::npos) << c;  // M is -2^-16 in lq
}

TEST(QuantizeCommand, BadInputExitsTwo) {
  TempDir dir;
  Result r = slqsim(dir, "quantize 0.25 abc");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("argument 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'abc'"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;  // nothing printed before the values are checked
  EXPECT_EQ(slqsim(dir, "quantize --format bogus 0.25").exit_code, 2);
  EXPECT_EQ(slqsim(dir, "quantize --format linear 0.25").exit_code, 2);
  EXPECT_EQ(slqsim(dir, "quantize --bits 1 0.25").exit_code, 2);
  EXPECT_EQ(slqsim(dir, "quantize").exit_code, 2);
}

TEST(EncodeDecodeCommands, RoundTripTheShippedModelInEveryFormat) {
  TempDir dir;
  const auto layers = model_layers();
  ASSERT_FALSE(layers.empty());
  for (const char* format : kFormats) {
    const Result enc = slqsim(dir, std::string("encode --model '") + kModel + "' --format " + format + " --out '" +
                                       (dir / "images") + "'");
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    for (const auto& [name, weights] : layers) {
      EXPECT_NE(enc.out.find(name), std::string::npos) << enc.out;
      const std::string hex = dir / ("images/" + name + "." + format + ".hex");
      ASSERT_TRUE(fs::exists(hex) && fs::exists(dir / ("images/" + name + "." + format + ".json"))) << hex;
      const Result dec = slqsim(dir, "decode '" + hex + "'");
      ASSERT_EQ(dec.exit_code, 0) << dec.err;
      std::smatch m;
      ASSERT_TRUE(std::regex_search(dec.out, m, std::regex("\nweights +([0-9]+)\n"))) << dec.out;
      EXPECT_EQ(std::stoull(m[1]), weights) << format << " " << name;
      EXPECT_NE(dec.out.find(std::string("format         ") + format), std::string::npos) << dec.out;
    }
  }
}

// `encode` makes its images on the SystemC SLQ encoder; they are the images `run` simulates (its
// quantized layers, from the encoder's twin), and the table gives the encoder's cycles, which the
// twin's closed form gives too.
TEST(EncodeDecodeCommands, EncodeImagesAreTheOnesRunSimulates) {
  TempDir dir;
  const Result enc = slqsim(dir, "encode --model '" + kModel + "' --format tag,special,lq --theta 0.01 --out '" +
                                     (dir / "images") + "'");
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  const slq::Network net = slq::load_onnx(kModel);
  slq::tb::Options o;
  o.encodings = "tag,special,lq";
  o.theta = 0.01;
  for (const slq::EncodingRun& run : o.encoding_runs(net))
    for (const slq::QuantLayer& q : run.layers) {
      EXPECT_EQ(read_text(dir / ("images/" + q.name + "." + run.name + ".hex")), slq::image_hex_text(q.image))
          << run.name << " " << q.name;
      ASSERT_FALSE(q.fixed_weights.empty());
      const std::regex row(run.name + " +" + q.name + " .* " + std::to_string(q.encoder.cycles) + "\n");
      EXPECT_TRUE(std::regex_search(enc.out, row)) << run.name << " " << q.name << ": " << q.encoder.cycles << "\n"
                                                   << enc.out;
      EXPECT_EQ(q.encoder.cycles, q.encoder.words + q.encoder.markers + 2);
    }
  EXPECT_NE(enc.out.find("encoder cycles"), std::string::npos);
}

TEST(EncodeDecodeCommands, DecodeReportsStatistics) {
  TempDir dir;
  const std::string hex = encode_first_layer(dir, "lq");
  const Result full = slqsim(dir, "decode '" + hex + "'");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_NE(full.out.find("bits/weight    5.000"), std::string::npos) << full.out;
  EXPECT_NE(full.out.find("words/weight   1.000"), std::string::npos) << full.out;
  EXPECT_NE(full.out.find("terms e > N"), std::string::npos) << full.out;
  EXPECT_NE(full.out.find("+2^-e"), std::string::npos) << full.out;  // the code histogram
  const Result quiet = slqsim(dir, "decode --quiet-table '" + hex + "'");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.out.find("+2^-e"), std::string::npos) << quiet.out;
}

TEST(EncodeDecodeCommands, TruncatedImageNamesWhereTheStreamEnds) {
  TempDir dir;
  for (const char* format : kFormats) {
    const std::string hex = encode_first_layer(dir, format);
    std::vector<std::string> lines = read_lines(hex);
    lines.resize(lines.size() - 3);  // the sidecar still says the full length
    write_lines(hex, lines);
    EXPECT_TRUE(fails_with_position(slqsim(dir, "decode '" + hex + "'"), hex, "memory words, its sidecar says"))
        << format;
  }
}

TEST(EncodeDecodeCommands, CorruptedImagesNameTheFieldAndBit) {
  TempDir dir;
  // special, W = 32: line 5 starts at bit 160 = field 32. Fields 32..35 become 1, 1, M, M:
  // whatever field 31 was, the second M follows a marker.
  std::string hex = encode_first_layer(dir, "special");
  const std::vector<std::string> original = read_lines(hex);
  std::vector<std::string> lines = original;
  lines[5] = "08610084";
  write_lines(hex, lines);
  Result r = slqsim(dir, "decode '" + hex + "'");
  EXPECT_TRUE(fails_with_position(r, hex, "marker M followed by another marker"));
  EXPECT_NE(r.err.find("field 35, bit offset 175"), std::string::npos) << r.err;

  // Nonzero padding after the last weight.
  lines = original;
  lines.back().back() = lines.back().back() == '0' ? '1' : '0';
  write_lines(hex, lines);
  EXPECT_TRUE(fails_with_position(slqsim(dir, "decode '" + hex + "'"), hex, "nonzero padding"));

  // tag, W = 32: line 3 starts at bit 96 = field 16, which becomes t = 0, code M.
  hex = encode_first_layer(dir, "tag");
  const std::vector<std::string> tag = read_lines(hex);
  lines = tag;
  lines[3] = "41041041";
  write_lines(hex, lines);
  r = slqsim(dir, "decode '" + hex + "'");
  EXPECT_TRUE(fails_with_position(r, hex, "is invalid in tag"));
  EXPECT_NE(r.err.find("field 16, bit offset 96"), std::string::npos) << r.err;

  // A word after the end of the stream, with a sidecar that counts it.
  lines = tag;
  lines.push_back("00000000");
  write_lines(hex, lines);
  const std::string json = hex.substr(0, hex.size() - 4) + ".json";
  nlohmann::json sidecar = nlohmann::json::parse(read_text(json));
  sidecar["memory_words"] = lines.size();
  write_lines(json, {sidecar.dump()});
  EXPECT_TRUE(fails_with_position(slqsim(dir, "decode '" + hex + "'"), hex, "after the end of the stream"));
}

TEST(EncodeDecodeCommands, RandomImagesExitTwoWithAPosition) {
  TempDir dir;
  std::mt19937 rng(12345);
  for (const char* format : kFormats) {
    const std::string hex = encode_first_layer(dir, format);
    std::vector<std::string> lines = read_lines(hex);
    for (auto& line : lines) {
      char text[16];
      std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(rng()));
      line = text;
    }
    write_lines(hex, lines);  // same word count as the sidecar says
    EXPECT_TRUE(fails_with_position(slqsim(dir, "decode '" + hex + "'"), hex, "")) << format;
  }
}

TEST(EncodeDecodeCommands, BadInputExitsTwo) {
  TempDir dir;
  Result r = slqsim(dir, "encode --model '" + kModel + "' --format bogus --out '" + (dir / "images") + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  r = slqsim(dir, "encode --model '" + (dir / "missing.onnx") + "' --format tag --out '" + (dir / "images") + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.onnx"), std::string::npos) << r.err;
  EXPECT_EQ(slqsim(dir, "encode --model '" + kModel + "' --format tag --L 0 --out '" + (dir / "images") + "'").exit_code, 2);
  r = slqsim(dir, "decode '" + (dir / "missing.hex") + "'");
  EXPECT_EQ(r.exit_code, 2);
  // A sidecar that is not what encode writes.
  write_lines(dir / "g.hex", {"00000000"});
  write_lines(dir / "g.json", {"{\"format\": \"special\"}"});
  r = slqsim(dir, "decode '" + (dir / "g.hex") + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("g.json"), std::string::npos) << r.err;
}
