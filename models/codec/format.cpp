#include "models/codec/format.h"

#include <sstream>

#include "models/errors.h"

namespace slq {

const char* to_string(Format f) {
  switch (f) {
    case Format::tag: return "tag";
    case Format::special: return "special";
    case Format::lq: return "lq";
    case Format::linear: return "linear";
  }
  return "?";
}

const char* to_string(Rounding r) { return r == Rounding::log ? "log" : "linear"; }

Format parse_format(const std::string& name, const std::string& where) {
  for (Format f : {Format::tag, Format::special, Format::lq, Format::linear})
    if (name == to_string(f)) return f;
  throw InputError(where, "", "unknown encoding '" + name + "' (expected tag, special, lq or linear)");
}

Rounding parse_rounding(const std::string& name, const std::string& where) {
  if (name == "log") return Rounding::log;
  if (name == "linear") return Rounding::linear;
  throw InputError(where, "", "unknown rounding '" + name + "' (expected log or linear)");
}

std::vector<Format> parse_format_list(const std::string& comma_list, const std::string& where) {
  std::vector<Format> out;
  std::stringstream ss(comma_list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    Format f = parse_format(item, where);
    for (Format g : out)
      if (g == f) throw InputError(where, "", std::string("encoding '") + item + "' given twice");
    out.push_back(f);
  }
  if (out.empty()) throw InputError(where, "", "no encoding given");
  return out;
}

int CodeParams::field_bits() const {
  switch (format) {
    case Format::tag: return word_bits + 1;
    case Format::special:
    case Format::lq: return word_bits;
    case Format::linear: return stream_bits + 1;
  }
  return word_bits;
}

void CodeParams::validate(const std::string& where) const {
  auto bad = [&](const std::string& what) { throw InputError(where, "", what); };
  if (word_bits < 2 || word_bits > 8) bad("word bits b = " + std::to_string(word_bits) + " out of range 2..8");
  if (stream_bits < 1 || stream_bits > 16)
    bad("stream bits N = " + std::to_string(stream_bits) + " out of range 1..16");
  if (mem_word_bits < 1 || mem_word_bits > 64)
    bad("memory word bits W = " + std::to_string(mem_word_bits) + " out of range 1..64");
  if (max_words < 1 || max_words > 16) bad("L = " + std::to_string(max_words) + " out of range 1..16");
  if (!(theta >= 0.0) || theta >= 1.0) bad("theta = " + std::to_string(theta) + " out of range [0, 1)");
}

}  // namespace slq
