// The bit-exact datapath of the hardware SLQ encoder (docs/encoder.md): one LogQuant unit on Q1.15
// fixed-point residues, used once per word. hw/encoder/SlqEncoder calls it cycle by cycle;
// slq_encode_fixed runs it to completion and must equal slq_quantize(r / 2^15, p).
#pragma once
#include <cstdint>
#include <vector>

#include "models/codec/codec.h"
#include "models/codec/format.h"

namespace slq {

// Q1.15: a fixed-point value r means x = r / 2^15.
constexpr int kFixedFracBits = 15;

// Leading-one position k of a > 0: 2^k <= a < 2^(k+1).
int leading_one_position(uint32_t magnitude);
// The integer log-domain rounding of docs/quantization.md: k + 1 if a^2 >= 2^(2k+1), else k.
int rounded_log2(uint32_t magnitude);

// Constants the encoder derives once from CodeParams (registers loaded at configuration).
struct LogQuantConfig {
  int words_limit = 2;               // L (1 for lq)
  int32_t theta_fixed = 0;           // floor(theta * 2^15): stop when |residue| <= this
  int emax_positive = 15;            // largest exponent of a positive / negative code
  int emax_negative = 15;
  // Smallest |residue| whose LogQuant is nonzero, per sign. A residue below it would emit no
  // word, so the word before it is the weight's last (the tag bit must know this in advance).
  int32_t nonzero_min_positive = 1;
  int32_t nonzero_min_negative = 1;
};
// Throws InputError unless p uses log-domain rounding (the only rule the hardware implements).
LogQuantConfig make_logquant_config(const CodeParams& p);

// One use of the LogQuant unit on word `word_index` (1-based) of a weight.
struct LogQuantStep {
  int code = 0;               // the word emitted (0 only for a zero weight, word 1)
  int32_t residue_after = 0;  // residue minus the emitted power of two, Q1.15
  bool stop = true;           // this word is the weight's last
};
LogQuantStep logquant_unit(int32_t residue, int word_index, const LogQuantConfig& config);

// The Q1.15 value the encoder is given for a normalized weight x: round(x * 2^15), halves away
// from zero, saturated to [-2^15, 2^15 - 1].
int16_t to_fixed(double x);

// All words of one fixed-point weight: equals slq_quantize(r / 32768.0, p).
std::vector<int> slq_encode_fixed(int16_t r, const CodeParams& p);
std::vector<int> slq_encode_fixed(int16_t r, const LogQuantConfig& config);

// What the SLQ encoder and the stream packer (hw/encoder) take to turn one stream of weights into
// its memory image, with the weights always ready and the memory always taking words: one
// LogQuant use per code word (encoder), one field per cycle (packer; in `special` the marker M
// before each further word of a weight is a field of its own). Cycles run from the cycle the
// first weight is offered (0) through the cycle the last memory word is written.
struct EncoderCost {
  uint64_t words = 0;    // code words: LogQuant uses
  uint64_t markers = 0;  // special's markers: packer cycles without a LogQuant use
  uint64_t cycles = 0;   // words + markers + 2
};
EncoderCost encoder_cost(const WeightWords& weights, Format format);

}  // namespace slq
