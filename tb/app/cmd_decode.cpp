// slqsim decode: validates a weight-memory image against its sidecar by decoding it (docs/formats.md)
// and prints what the stream holds. A malformed image exits 2 naming the field and bit offset.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>

#include <spdlog/fmt/fmt.h>

#include "models/errors.h"
#include "models/codec/memimage.h"
#include "tb/app/cli.h"
#include "tb/app/commands.h"

namespace slq {
namespace {

struct DecodeFlags {
  std::string image;
  bool quiet_table = false;
};

// Fields and bits the decoded weights take in the stream (table of docs/formats.md).
struct Usage {
  uint64_t fields = 0, bits = 0;
};
Usage stream_usage(const WeightWords& w, const CodeParams& p) {
  Usage u;
  for (size_t i = 0; i < w.weight_count(); ++i) {
    const uint64_t n = w.words_of(i);
    u.fields += p.format == Format::special ? 2 * n - 1 : (p.format == Format::tag ? n : 1);
  }
  u.bits = u.fields * uint64_t(p.field_bits());
  return u;
}

std::string percent(uint64_t part, uint64_t whole) {
  return fmt::format("{:.1f}%", whole ? 100.0 * double(part) / double(whole) : 0.0);
}

void print_stats(const MemoryImage& img, const WeightWords& w, const Usage& u, bool tables) {
  const CodeParams& p = img.params;
  const uint64_t n = img.weight_count;
  const bool linear = p.format == Format::linear;
  std::map<size_t, uint64_t> words_hist;
  std::map<int, std::pair<uint64_t, uint64_t>> codes;  // e -> (positive, negative)
  uint64_t zero_weights = 0, zero_words = 0, terms = 0, beyond_n = 0, magnitude_sum = 0;
  int32_t magnitude_max = 0;
  for (size_t i = 0; i < w.weight_count(); ++i) {
    ++words_hist[w.words_of(i)];
    int32_t any_bits = 0;  // a weight is zero when all its words are
    for (size_t k = 0; k < w.words_of(i); ++k) {
      const int32_t v = w.begin_of(i)[k];
      any_bits |= v;
      if (v == 0) {
        ++zero_words;
        continue;
      }
      const int32_t mag = std::abs(v);
      if (linear) {
        magnitude_sum += uint64_t(mag);
        magnitude_max = std::max(magnitude_max, mag);
        continue;
      }
      (v > 0 ? codes[mag].first : codes[mag].second)++;
      if (mag > p.stream_bits) ++beyond_n; else ++terms;
    }
    zero_weights += any_bits == 0;
  }
  std::cout << fmt::format("layer          {}\n", img.layer);
  if (linear)
    std::cout << fmt::format("format         linear (sign + N = {} magnitude bits, W = {})\n", p.stream_bits,
                             p.mem_word_bits);
  else
    std::cout << fmt::format("format         {} (b = {}, N = {}, W = {}, L = {}, theta = {}, rounding {})\n",
                             to_string(p.format), p.word_bits, p.stream_bits, p.mem_word_bits, p.max_words, p.theta,
                             to_string(p.rounding));
  std::cout << fmt::format("shape          [{}]\n", fmt::join(img.shape, ", "));
  std::cout << fmt::format("weights        {}\n", n);
  std::cout << fmt::format("zero weights   {} ({})\n", zero_weights, percent(zero_weights, n));
  std::cout << fmt::format("stream         {} bits in {} memory words of {} bits, {} fields\n", u.bits,
                           img.stream.mem.size(), p.mem_word_bits, u.fields);
  std::cout << fmt::format("bits/weight    {:.3f}\n", n ? double(u.bits) / double(n) : 0.0);
  std::cout << fmt::format("words/weight   {:.3f}\n", n ? double(w.words.size()) / double(n) : 0.0);
  if (linear) {
    std::cout << fmt::format("linear step    S = {}\n", img.linear_step);
    std::cout << fmt::format("|w_int|        max {}, mean {:.2f} (of 2^N - 1 = {})\n", magnitude_max,
                             n ? double(magnitude_sum) / double(n) : 0.0, (1 << p.stream_bits) - 1);
    return;
  }
  const auto& u_list = img.scale_exponents;
  if (u_list.size() == 1)
    std::cout << fmt::format("scale          U = 2^{}\n", u_list[0]);
  else if (!u_list.empty())
    std::cout << fmt::format("scale          U = 2^u per output channel, u in {}..{}\n",
                             *std::min_element(u_list.begin(), u_list.end()), *std::max_element(u_list.begin(), u_list.end()));
  std::cout << fmt::format("terms          {} (words with 1 <= e <= N)\n", terms);
  std::cout << fmt::format("terms e > N    {} (decoded, no array cycle, contribute 0)\n", beyond_n);
  std::cout << fmt::format("zero words     {}\n", zero_words);
  if (!tables) return;
  std::cout << "\nwords/weight   weights\n";
  for (const auto& [k, count] : words_hist) std::cout << fmt::format("{:>12}   {:>7}  {:>6}\n", k, count, percent(count, n));
  std::cout << "\n   e     +2^-e     -2^-e\n";
  for (const auto& [e, pn] : codes) std::cout << fmt::format("{:>4}  {:>8}  {:>8}\n", e, pn.first, pn.second);
}

void decode_command(const DecodeFlags& f) {
  uint64_t sidecar_words = 0;
  const MemoryImage img = read_image(f.image, &sidecar_words);
  const uint64_t image_bits = img.stream.mem.size() * uint64_t(img.params.mem_word_bits);
  if (img.weight_count > image_bits)  // every weight needs at least one field: do not even try
    throw InputError(sidecar_path(f.image), "key 'weight_count'",
                     fmt::format("{} weights cannot fit in {} image bits", img.weight_count, image_bits));
  // A word count that differs from the sidecar's is reported where the stream breaks, plus this.
  const std::string note = img.stream.mem.size() == sidecar_words
                               ? ""
                               : fmt::format(" (the image has {} memory words, its sidecar says {})",
                                             img.stream.mem.size(), sidecar_words);
  WeightWords w;
  try {
    w = decode_stream(img.stream.mem, img.weight_count, img.params, f.image);
  } catch (const StreamError& e) {
    throw StreamError(e.where(), e.field_index(), e.bit_offset(), e.reason() + note);
  }
  const Usage u = stream_usage(w, img.params);
  if (u.bits != img.stream.bits || !note.empty())
    throw StreamError(f.image, u.fields, u.bits,
                      fmt::format("the stream ends at bit {}, its sidecar says {} bits", u.bits, img.stream.bits) +
                          note);
  std::cout << fmt::format("image          {}\n", f.image);
  print_stats(img, w, u, !f.quiet_table);
}

}  // namespace

void register_decode(CLI::App& app) {
  auto f = std::make_shared<DecodeFlags>();
  CLI::App* sub = app.add_subcommand("decode", "Validate and decode a memory image against its sidecar");
  add_config_option(*sub);
  sub->add_option("IMAGE", f->image, "Memory image (.hex); its sidecar is the .json next to it")->required();
  sub->add_flag("--quiet-table", f->quiet_table, "Print the summary only, without the histograms");
  sub->callback([f] { decode_command(*f); });
}

}  // namespace slq
