// slqsim quantize: SLQ code words of normalized values (docs/formats.md, docs/quantization.md), and the stream bits of each
// value as one weight in the chosen format (docs/formats.md).
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "models/errors.h"
#include "models/quant/quant.h"
#include "tb/app/cli.h"
#include "tb/app/commands.h"
#include "tb/app/options.h"

namespace slq {
namespace {

struct QuantizeFlags {
  tb::Options options;  // b, L, theta, rounding (tb/app/options.h: the defaults of every command)
  std::string format = "special";
  std::vector<std::string> values;
};

// The b low bits of code word v, MSB first ("11100" for -4 with b = 5).
std::string binary(int v, int b) {
  std::string s;
  for (int i = b - 1; i >= 0; --i) s += ((v >> i) & 1) ? '1' : '0';
  return s;
}

// The fields of one weight as they sit in the stream: tag puts t before each word (1 = more
// words follow), special puts the marker M before each further word, lq is the word alone.
std::string stream_bits(const std::vector<int>& words, const CodeParams& p) {
  std::string s;
  for (size_t k = 0; k < words.size(); ++k) {
    if (k > 0) s += ' ';
    if (p.format == Format::tag) s += (k + 1 < words.size() ? "1" : "0");
    if (p.format == Format::special && k > 0) s += binary(p.marker(), p.word_bits) + ' ';
    s += binary(words[k], p.word_bits);
  }
  return s;
}

double parse_value(const std::string& text, size_t position) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(x))
    throw InputError("VALUE", "argument " + std::to_string(position), "'" + text + "' is not a finite number");
  return x;
}

void quantize_command(const QuantizeFlags& f) {
  const Format format = parse_format(f.format, "--format");
  if (format == Format::linear)
    throw InputError("--format", "", "quantize shows log code words: expected tag, special or lq");
  f.options.validate();
  const CodeParams p = f.options.code(format);
  if (p.max_words != f.options.max_words) spdlog::info("{} holds one word per weight: L = 1", to_string(format));

  std::vector<double> xs;
  size_t text_width = 0;
  for (size_t i = 0; i < f.values.size(); ++i) {
    xs.push_back(parse_value(f.values[i], i + 1));
    text_width = std::max(text_width, f.values[i].size());
    if (std::fabs(xs.back()) > 1.0)
      spdlog::warn("VALUE {} = {} is not normalized (|x| > 1): LogQuant clips every word to at most 2^-1", i + 1,
                   f.values[i]);
  }
  const size_t words_width = size_t(p.max_words) * (p.word_bits + 1) - 1;
  for (size_t i = 0; i < xs.size(); ++i) {
    const std::vector<int> words = slq_quantize(xs[i], p);
    std::string codes;
    for (int v : words) codes += (codes.empty() ? "" : " ") + binary(v, p.word_bits);
    const double value = slq_value(words);
    std::cout << fmt::format("{:<{}}  {:<{}}  value {}  error {:.6g}  stream {}\n", f.values[i], text_width, codes,
                             words_width, value, value - xs[i] + 0.0, stream_bits(words, p));
  }
}

}  // namespace

void register_quantize(CLI::App& app) {
  auto flags = std::make_shared<QuantizeFlags>();
  CLI::App* sub = app.add_subcommand("quantize", "Quantize normalized values and print their SLQ code words");
  add_config_option(*sub);
  tb::add_options(sub, flags->options, {"word-bits", "L", "theta", "rounding"});
  sub->add_option("--format", flags->format, "Stream format shown: tag, special or lq")->capture_default_str();
  sub->add_option("VALUE", flags->values, "Normalized values x = w / U")->required();
  sub->footer(
      "Each line: the value, its code words (b-bit two's complement), the reconstructed value,\n"
      "the error (reconstructed - value) and the weight's bits in the stream format.\n"
      "Example: slqsim quantize 0.4375  ->  0.4375  00001 11100  value 0.4375  error 0  stream 00001 10000 11100\n");
  sub->callback([flags] { quantize_command(*flags); });
}

}  // namespace slq
