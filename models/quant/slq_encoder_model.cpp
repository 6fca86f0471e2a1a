#include "models/quant/slq_encoder_model.h"

#include <algorithm>
#include <cmath>

#include "models/errors.h"

namespace slq {

int leading_one_position(uint32_t magnitude) { return 31 - __builtin_clz(magnitude); }

int rounded_log2(uint32_t magnitude) {
  const int k = leading_one_position(magnitude);
  // |r| < 2^16, so the square fits in 64 bits; hardware compares a against the constant
  // ceil(2^k * sqrt 2) instead of squaring, which is the same test on integers.
  const uint64_t square = static_cast<uint64_t>(magnitude) * magnitude;
  return square >= (uint64_t{1} << (2 * k + 1)) ? k + 1 : k;
}

namespace {

// The exponent LogQuant gives a nonzero residue, before the Emax test: e = 15 - k', at least 1
// (|x| near 1 would round to 2^0, which no code word holds).
int exponent_of(uint32_t magnitude) {
  const int e = kFixedFracBits - rounded_log2(magnitude);
  return e < 1 ? 1 : e;
}

int32_t smallest_nonzero_magnitude(int emax) {
  uint32_t a = 1;
  while (exponent_of(a) > emax && a < (uint32_t{1} << 17)) ++a;  // exponent_of is monotone
  return static_cast<int32_t>(a);
}

uint32_t magnitude_of(int32_t r) { return static_cast<uint32_t>(r < 0 ? -int64_t{r} : r); }

}  // namespace

LogQuantConfig make_logquant_config(const CodeParams& p) {
  if (p.rounding != Rounding::log)
    throw InputError("encoder", "", "the hardware SLQ encoder implements log-domain rounding only");
  if (p.words_limit() < 1) throw InputError("encoder", "", "L must be at least 1");
  LogQuantConfig c;
  c.words_limit = p.words_limit();
  // |r| / 2^15 <= theta  <=>  |r| <= floor(theta * 2^15) for integer r (the scaling is exact).
  // A negative theta never stops; any theta >= 2 stops every residue (|r| <= 2^16).
  const double theta_scaled = std::ldexp(p.theta, kFixedFracBits);
  if (!(theta_scaled >= 0.0))
    c.theta_fixed = -1;
  else
    c.theta_fixed = static_cast<int32_t>(std::floor(std::min(theta_scaled, 65536.0)));
  c.emax_positive = p.emax_positive();
  c.emax_negative = p.emax_negative();
  c.nonzero_min_positive = smallest_nonzero_magnitude(c.emax_positive);
  c.nonzero_min_negative = smallest_nonzero_magnitude(c.emax_negative);
  return c;
}

LogQuantStep logquant_unit(int32_t residue, int word_index, const LogQuantConfig& config) {
  LogQuantStep step;
  if (residue == 0) return step;  // zero weight: one zero word
  const bool positive = residue > 0;
  const int e = exponent_of(magnitude_of(residue));
  if (e > (positive ? config.emax_positive : config.emax_negative)) {
    step.residue_after = residue;  // rounds below 2^-Emax: a zero word, the weight ends
    return step;
  }
  const int32_t power = int32_t{1} << (kFixedFracBits - e);
  step.code = positive ? e : -e;
  step.residue_after = residue - (positive ? power : -power);
  // Stop test on the next residue, so the current word knows it is the last.
  const int32_t after = step.residue_after;
  const uint32_t after_magnitude = magnitude_of(after);
  const bool within_theta = static_cast<int64_t>(after_magnitude) <= config.theta_fixed;
  const bool next_is_zero =
      after_magnitude < static_cast<uint32_t>(after > 0 ? config.nonzero_min_positive : config.nonzero_min_negative);
  step.stop = word_index >= config.words_limit || within_theta || next_is_zero;
  return step;
}

std::vector<int> slq_encode_fixed(int16_t r, const LogQuantConfig& config) {
  std::vector<int> words;
  int32_t residue = r;
  for (int word_index = 1;; ++word_index) {
    const LogQuantStep step = logquant_unit(residue, word_index, config);
    words.push_back(step.code);
    if (step.stop) break;
    residue = step.residue_after;
  }
  return words;
}

std::vector<int> slq_encode_fixed(int16_t r, const CodeParams& p) {
  return slq_encode_fixed(r, make_logquant_config(p));
}

int16_t to_fixed(double x) {
  const double scaled = std::round(x * 32768.0);  // halves away from zero
  if (!(scaled > -32768.0)) return -32768;        // (NaN too; the model loader refuses NaN weights)
  if (scaled > 32767.0) return 32767;
  return static_cast<int16_t>(scaled);
}

EncoderCost encoder_cost(const WeightWords& weights, Format format) {
  EncoderCost c;
  c.words = weights.words.size();
  if (format == Format::special) c.markers = c.words - weights.weight_count();
  c.cycles = c.words + c.markers + 2;
  return c;
}

}  // namespace slq
