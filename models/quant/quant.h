// Quantizers of docs/quantization.md: LogQuant, successive log quantization (SLQ), linear (BISC),
// and the layer scale. Values are normalized (x = w / U) unless stated.
#pragma once
#include <cstdint>
#include <vector>

#include "models/codec/format.h"

namespace slq {

// A code word as a signed integer v: 0 is zero, v > 0 is +2^-v, v < 0 is -2^-|v|
// (v = M = -2^(b-1) only in lq, meaning -2^-(2^(b-1))).
double code_value(int v);

// Exponent e of sign * 2^-e chosen by the rounding rule for |x| > 0, before clipping:
// the smallest e with the rounded magnitude; may be <= 0 for |x| > 1.
int log_round_exponent(double magnitude, Rounding rounding);
// The exact integer rule: for integer r != 0 with 2^k <= |r| < 2^(k+1), returns k+1 if
// r^2 >= 2^(2k+1), else k (log-domain rounding of |r| to a power of two).
int int_log_round(int64_t r);

// LogQuant: the code word for x (0 when x = 0 or when x rounds below 2^-Emax).
// emax_pos / emax_neg: the largest exponent for positive / negative codes.
int log_quant(double x, Rounding rounding, int emax_pos, int emax_neg);
int log_quant(double x, const CodeParams& p);

// SLQ(x; L, theta): the code words of one weight (at least one word; {0} for zero).
std::vector<int> slq_quantize(double x, const CodeParams& p);
// Sum of the words' values.
double slq_value(const std::vector<int>& words);

// Linear (BISC) quantization with S = max_abs / (2^N - 1): round(w / S), |w_int| <= 2^N - 1.
int linear_quantize(double w, double step, int stream_bits);
double linear_step(double max_abs, int stream_bits);

// Layer scale exponent u: U = 2^u with u = round(log2(max|w|)) + 1 (0 if all weights are 0).
int scale_exponent(double max_abs);

}  // namespace slq
