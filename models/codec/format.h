// Weight encodings and the parameters every stream producer and consumer agrees on (docs/formats.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace slq {

enum class Format { tag, special, lq, linear };
enum class Rounding { log, linear };

const char* to_string(Format f);
const char* to_string(Rounding r);
// Throw InputError(where, "", reason) on an unknown name.
Format parse_format(const std::string& name, const std::string& where = "--format");
Rounding parse_rounding(const std::string& name, const std::string& where = "--rounding");
std::vector<Format> parse_format_list(const std::string& comma_list, const std::string& where = "--encodings");

struct CodeParams {
  Format format = Format::special;
  int word_bits = 5;        // b: bits of one code word (two's complement)
  int stream_bits = 8;      // N: SC stream bits (period 2^N); linear magnitude bits
  int mem_word_bits = 32;   // W: bits of one weight-memory word (1..64)
  int max_words = 2;        // L: SLQ words per weight at most (1 for lq and linear)
  double theta = 0.0;       // SLQ stop threshold on the normalized residue
  Rounding rounding = Rounding::log;

  // Throws InputError naming the offending parameter.
  void validate(const std::string& where = "config") const;
  int marker() const { return -(1 << (word_bits - 1)); }  // M, e.g. -16 (10000) for b = 5
  int emax_positive() const { return (1 << (word_bits - 1)) - 1; }
  // Largest exponent of a negative code: M is an ordinary code only in lq.
  int emax_negative() const { return format == Format::lq ? (1 << (word_bits - 1)) : emax_positive(); }
  // Bits of one stream field: tag t+code, special/lq code, linear sign+magnitude.
  int field_bits() const;
  // Words a weight may hold at most in this format.
  int words_limit() const { return (format == Format::tag || format == Format::special) ? max_words : 1; }
};

}  // namespace slq
