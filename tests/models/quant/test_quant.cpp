// Quantizers of docs/quantization.md: LogQuant rounding and clipping, the integer rounding rule, SLQ, linear
// (BISC) quantization and the layer scale. Expectations come from the definitions in docs/quantization.md, checked
// with exact integer arithmetic written here, not from the implementation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "models/codec/format.h"
#include "models/quant/quant.h"

namespace slq {
namespace {

using u128 = unsigned __int128;

CodeParams params(Format f, int b, int L, double theta = 0.0, Rounding r = Rounding::log) {
  CodeParams p;
  p.format = f;
  p.word_bits = b;
  p.max_words = L;
  p.theta = theta;
  p.rounding = r;
  return p;
}

// Exact test of |x| >= 2^-(k+0.5) for a finite double x != 0 with 2^-(k+1) < |x| <= 2^-k:
// |x| = M * 2^(E-53) with a 53-bit integer M, so |x|^2 >= 2^-(2k+1) iff M^2 >= 2^(106-2E-2k-1).
bool at_or_above_log_midpoint(double x, int k) {
  int E = 0;
  const double m = std::frexp(std::fabs(x), &E);  // |x| = m 2^E, m in [0.5, 1)
  const uint64_t M = static_cast<uint64_t>(std::ldexp(m, 53));
  const int shift = 106 - 2 * E - 2 * k - 1;
  if (shift < 0) return true;
  if (shift >= 128) return false;
  return static_cast<u128>(M) * M >= (static_cast<u128>(1) << shift);
}

// Reference LogQuant written from docs/quantization.md with exact comparisons (no frexp tricks shared with the
// implementation): find k with 2^-(k+1) < |x| <= 2^-k, round, clip to 1, zero below 2^-Emax.
int reference_log_quant(double x, Rounding rounding, int emax_pos, int emax_neg) {
  if (x == 0.0) return 0;
  const double a = std::fabs(x);
  int k = 0;
  while (a > std::ldexp(1.0, -k)) --k;       // now a <= 2^-k
  while (a <= std::ldexp(1.0, -(k + 1))) ++k;  // now 2^-(k+1) < a <= 2^-k
  bool up;
  if (a == std::ldexp(1.0, -k)) {
    up = true;  // exact power of two
  } else if (rounding == Rounding::log) {
    up = at_or_above_log_midpoint(a, k);
  } else {
    up = a >= 0.75 * std::ldexp(1.0, -k);  // exact: 0.75 * 2^-k is a double
  }
  int e = up ? k : k + 1;
  if (e < 1) e = 1;
  const int emax = x > 0 ? emax_pos : emax_neg;
  if (e > emax) return 0;
  return x > 0 ? e : -e;
}

// The SLQ loop of docs/quantization.md on the reference LogQuant.
std::vector<int> reference_slq(double x, const CodeParams& p) {
  std::vector<int> words;
  double approx = 0.0;
  for (int i = 1; i <= p.words_limit(); ++i) {
    const double r = x - approx;
    if (i > 1 && std::fabs(r) <= p.theta) break;
    const int q = reference_log_quant(r, p.rounding, p.emax_positive(), p.emax_negative());
    if (q == 0) {
      if (i == 1) words.push_back(0);
      break;
    }
    approx += q > 0 ? std::ldexp(1.0, -q) : -std::ldexp(1.0, q);
    words.push_back(q);
  }
  return words;
}

// Two's-complement b-bit text of a code word.
std::string bits_of(int v, int b) {
  std::string s;
  for (int i = b - 1; i >= 0; --i) s += ((static_cast<unsigned>(v) >> i) & 1u) ? '1' : '0';
  return s;
}

TEST(Quant, PaperExampleSlqTwoWords) {
  const CodeParams p = params(Format::special, 5, 2);
  const std::vector<int> words = slq_quantize(0.4375, p);
  ASSERT_EQ(words, (std::vector<int>{1, -4}));
  EXPECT_EQ(bits_of(words[0], 5) + " " + bits_of(words[1], 5), "00001 11100");
  EXPECT_EQ(slq_value(words), 0.5 - 0.0625);
  EXPECT_EQ(slq_value(words), 0.4375);
  // Tagging gives the same words.
  EXPECT_EQ(slq_quantize(0.4375, params(Format::tag, 5, 2)), (std::vector<int>{1, -4}));
  // And the negated weight gives the negated words.
  EXPECT_EQ(slq_quantize(-0.4375, p), (std::vector<int>{-1, 4}));
}

TEST(Quant, PaperExampleLqAlone) {
  EXPECT_EQ(slq_quantize(0.4375, params(Format::special, 5, 1)), (std::vector<int>{1}));
  // lq holds one word whatever L says.
  EXPECT_EQ(slq_quantize(0.4375, params(Format::lq, 5, 4)), (std::vector<int>{1}));
  EXPECT_EQ(log_quant(0.4375, params(Format::lq, 5, 1)), 1);
}

TEST(Quant, CodeValue) {
  EXPECT_EQ(code_value(0), 0.0);
  for (int v = 1; v <= 16; ++v) {
    EXPECT_EQ(code_value(v), std::ldexp(1.0, -v));
    EXPECT_EQ(code_value(-v), -std::ldexp(1.0, -v));
  }
  EXPECT_EQ(slq_value({}), 0.0);
  EXPECT_EQ(slq_value({1, 3, -5}), 0.5 + 0.125 - 0.03125);
}

TEST(Quant, LogRoundingBoundaryIsTwoToMinusKPlusHalf) {
  // The doubles on either side of 2^-(k+0.5), found with the exact integer test.
  double hi = std::sqrt(0.5);
  while (!at_or_above_log_midpoint(hi, 0)) hi = std::nextafter(hi, 1.0);
  while (at_or_above_log_midpoint(std::nextafter(hi, 0.0), 0)) hi = std::nextafter(hi, 0.0);
  const double lo = std::nextafter(hi, 0.0);
  ASSERT_GT(hi * hi, 0.49);  // sanity: near sqrt(1/2)
  for (int k = 0; k <= 12; ++k) {
    const double above = std::ldexp(hi, -k), below = std::ldexp(lo, -k);
    SCOPED_TRACE("k = " + std::to_string(k));
    EXPECT_EQ(log_round_exponent(above, Rounding::log), k);
    EXPECT_EQ(log_round_exponent(below, Rounding::log), k + 1);
    if (k >= 1 && k + 1 <= 15) {
      EXPECT_EQ(log_quant(above, Rounding::log, 15, 15), k);
      EXPECT_EQ(log_quant(below, Rounding::log, 15, 15), k + 1);
      EXPECT_EQ(log_quant(-above, Rounding::log, 15, 15), -k);
      EXPECT_EQ(log_quant(-below, Rounding::log, 15, 15), -(k + 1));
    }
    // Linear rounding puts both of them below its midpoint 0.75 * 2^-k.
    EXPECT_EQ(log_round_exponent(above, Rounding::linear), k + 1);
  }
}

TEST(Quant, LinearRoundingMidpointIsThreeQuarters) {
  for (int k = 1; k <= 12; ++k) {
    SCOPED_TRACE("k = " + std::to_string(k));
    const double mid = 0.75 * std::ldexp(1.0, -k);
    EXPECT_EQ(log_quant(std::nextafter(mid, 1.0), Rounding::linear, 15, 15), k);
    EXPECT_EQ(log_quant(std::nextafter(mid, 0.0), Rounding::linear, 15, 15), k + 1);
    EXPECT_EQ(log_quant(-std::nextafter(mid, 0.0), Rounding::linear, 15, 15), -(k + 1));
    // The documented tie rule: the midpoint goes up in magnitude.
    EXPECT_EQ(log_quant(mid, Rounding::linear, 15, 15), k);
    // Between the two midpoints the rules disagree: 0.72 * 2^-k is up in log, down in linear.
    const double between = 0.72 * std::ldexp(1.0, -k);
    EXPECT_EQ(log_quant(between, Rounding::log, 15, 15), k);
    EXPECT_EQ(log_quant(between, Rounding::linear, 15, 15), k + 1);
    // Exact powers of two are their own code in both rules.
    EXPECT_EQ(log_quant(std::ldexp(1.0, -k), Rounding::linear, 15, 15), k);
    EXPECT_EQ(log_quant(std::ldexp(1.0, -k), Rounding::log, 15, 15), k);
  }
}

TEST(Quant, MatchesReferenceLogQuantOnRandomValues) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-22.0, 3.0), coin(0.0, 1.0);
  for (int i = 0; i < 100000; ++i) {
    double x = std::exp2(exponent(rng)) * (coin(rng) < 0.5 ? -1 : 1);
    for (Rounding r : {Rounding::log, Rounding::linear}) {
      for (int b : {3, 5, 8}) {
        const int emax = (1 << (b - 1)) - 1;
        ASSERT_EQ(log_quant(x, r, emax, emax + 1), reference_log_quant(x, r, emax, emax + 1))
            << "x = " << x << " b = " << b << " rounding " << to_string(r);
      }
    }
  }
}

TEST(Quant, ClipsToExponentOneForLargeMagnitudes) {
  const CodeParams p = params(Format::special, 5, 2);
  for (double x : {1.0, 1.0000001, 1.4, 1.5, 2.0, 3.7, 100.0, 1e30}) {
    EXPECT_EQ(log_quant(x, p), 1) << x;
    EXPECT_EQ(log_quant(-x, p), -1) << x;
  }
  // Between 2^-0.5 and 1 the rounded exponent is 0, still clipped to 1.
  EXPECT_EQ(log_round_exponent(0.9, Rounding::log), 0);
  EXPECT_EQ(log_quant(0.9, p), 1);
  EXPECT_LE(log_round_exponent(3.7, Rounding::log), -1);
}

TEST(Quant, UnderflowBelowEmaxIsZero) {
  const CodeParams special = params(Format::special, 5, 2);
  const CodeParams lq = params(Format::lq, 5, 1);
  ASSERT_EQ(special.emax_positive(), 15);
  ASSERT_EQ(special.emax_negative(), 15);
  ASSERT_EQ(lq.emax_negative(), 16);
  const double p15 = std::ldexp(1.0, -15), p16 = std::ldexp(1.0, -16), p17 = std::ldexp(1.0, -17);
  EXPECT_EQ(log_quant(p15, special), 15);
  EXPECT_EQ(log_quant(-p15, special), -15);
  EXPECT_EQ(log_quant(p16, special), 0);
  EXPECT_EQ(log_quant(-p16, special), 0);
  EXPECT_EQ(log_quant(0.8 * p15, special), 15);   // rounds up to 2^-15 in the log domain
  EXPECT_EQ(log_quant(0.7 * p15, special), 0);    // rounds to 2^-16, below Emax
  EXPECT_EQ(log_quant(1e-300, special), 0);
  EXPECT_EQ(log_quant(0.0, special), 0);
  EXPECT_EQ(log_quant(-0.0, special), 0);
  EXPECT_EQ(slq_quantize(p17, special), (std::vector<int>{0}));
  EXPECT_EQ(slq_quantize(0.0, special), (std::vector<int>{0}));
  EXPECT_EQ(slq_quantize(0.0, lq), (std::vector<int>{0}));
  // lq: M = -16 is an ordinary negative code (-2^-16), positive codes stop at 15.
  EXPECT_EQ(log_quant(-p16, lq), -16);
  EXPECT_EQ(log_quant(p16, lq), 0);
  EXPECT_EQ(log_quant(-p17, lq), 0);
  EXPECT_EQ(lq.marker(), -16);
  // tag reserves M as well.
  EXPECT_EQ(log_quant(-p16, params(Format::tag, 5, 2)), 0);
  // Other word widths.
  for (int b = 2; b <= 8; ++b) {
    const CodeParams pl = params(Format::lq, b, 1), pt = params(Format::tag, b, 2);
    const int emax = (1 << (b - 1)) - 1;
    const double m = std::ldexp(1.0, -(emax + 1));
    EXPECT_EQ(log_quant(-m, pl), -(emax + 1)) << b;
    EXPECT_EQ(log_quant(-m, pt), 0) << b;
    EXPECT_EQ(log_quant(m, pl), 0) << b;
    EXPECT_EQ(log_quant(std::ldexp(1.0, -emax), pt), emax) << b;
  }
}

TEST(Quant, IntLogRoundMatchesDoubleRuleAndDefinition) {
  for (int64_t r = 1; r <= (int64_t{1} << 20); ++r) {
    int k = 0;
    while ((int64_t{1} << (k + 1)) <= r) ++k;
    const bool up = static_cast<u128>(r) * r >= (static_cast<u128>(1) << (2 * k + 1));
    const int expected = up ? k + 1 : k;
    const int got = int_log_round(r);
    ASSERT_EQ(got, expected) << "r = " << r;
    ASSERT_EQ(int_log_round(-r), expected) << "r = " << -r;
    // The double rule on r (a magnitude > 1): rounded to 2^got, i.e. exponent -got.
    ASSERT_EQ(log_round_exponent(static_cast<double>(r), Rounding::log), -got) << "r = " << r;
  }
}

TEST(Quant, IntLogRoundNearSqrtTwoForLargeIntegers) {
  for (int k = 1; k <= 61; ++k) {
    // t = floor(2^k * sqrt(2)) by integer search: the largest t with t^2 < 2^(2k+1).
    const u128 bound = static_cast<u128>(1) << (2 * k + 1);
    uint64_t t = static_cast<uint64_t>(std::ldexp(std::sqrt(2.0), k));
    while (static_cast<u128>(t) * t >= bound) --t;
    while (static_cast<u128>(t + 1) * (t + 1) < bound) ++t;
    SCOPED_TRACE("k = " + std::to_string(k));
    EXPECT_EQ(int_log_round(static_cast<int64_t>(t)), k);
    EXPECT_EQ(int_log_round(static_cast<int64_t>(t + 1)), k + 1);
    EXPECT_EQ(int_log_round(int64_t{1} << k), k);
    EXPECT_EQ(int_log_round(static_cast<int64_t>((uint64_t{1} << (k + 1)) - 1)), k + 1);
  }
  EXPECT_EQ(int_log_round(INT64_MAX), 63);
  EXPECT_EQ(int_log_round(INT64_MIN), 63);  // |r| = 2^63
}

TEST(Quant, SlqStopsOnTheta) {
  // After 0.5 the residue of 0.4375 is -0.0625: stop iff |r| <= theta.
  EXPECT_EQ(slq_quantize(0.4375, params(Format::special, 5, 2, 0.1)), (std::vector<int>{1}));
  EXPECT_EQ(slq_quantize(0.4375, params(Format::special, 5, 2, 0.0625)), (std::vector<int>{1}));
  EXPECT_EQ(slq_quantize(0.4375, params(Format::special, 5, 2, 0.06)), (std::vector<int>{1, -4}));
  // theta never stops the first word.
  EXPECT_EQ(slq_quantize(0.01, params(Format::special, 5, 2, 0.5)), (std::vector<int>{7}));
}

TEST(Quant, SlqStopsOnL) {
  // 0.65625 = 0.5 + 0.125 + 0.03125: log rounding takes 0.5, then 0.125 (0.15625 < 0.25/sqrt 2),
  // then 2^-5.
  const double x = 0.5 + 0.125 + 0.03125;
  EXPECT_EQ(slq_quantize(x, params(Format::tag, 5, 1)), (std::vector<int>{1}));
  EXPECT_EQ(slq_quantize(x, params(Format::tag, 5, 2)), (std::vector<int>{1, 3}));
  EXPECT_EQ(slq_quantize(x, params(Format::tag, 5, 3)), (std::vector<int>{1, 3, 5}));
  EXPECT_EQ(slq_quantize(x, params(Format::tag, 5, 8)), (std::vector<int>{1, 3, 5}));
  // The residue after the words underflows: stop without emitting a zero word.
  const double y = 0.5 + std::ldexp(1.0, -20);
  EXPECT_EQ(slq_quantize(y, params(Format::special, 5, 4)), (std::vector<int>{1}));
}

TEST(Quant, SlqReconstructsSumsOfFewPowersExactly) {
  std::mt19937 rng(5);
  for (int b : {4, 5, 6}) {
    const CodeParams p = params(Format::special, b, 16, 0.0);
    const int emax = p.emax_positive();
    for (int trial = 0; trial < 20000; ++trial) {
      const int terms = 1 + static_cast<int>(rng() % 4);
      std::vector<bool> used(emax + 1, false);
      double x = 0.0;
      for (int t = 0; t < terms; ++t) {
        int e = 1 + static_cast<int>(rng() % emax);
        if (used[e]) continue;
        used[e] = true;
        x += (rng() & 1) ? std::ldexp(1.0, -e) : -std::ldexp(1.0, -e);
      }
      if (x == 0.0) continue;
      const std::vector<int> words = slq_quantize(x, p);
      ASSERT_EQ(slq_value(words), x) << "b = " << b << " x = " << x;
      ASSERT_LE(static_cast<int>(words.size()), p.max_words);
      for (int w : words) {
        ASSERT_NE(w, 0);
        ASSERT_LE(std::abs(w), emax);
      }
    }
  }
}

TEST(Quant, SlqMatchesReferenceOnRandomValues) {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> value(-1.5, 1.5), unit(0.0, 1.0);
  for (int i = 0; i < 50000; ++i) {
    const Format f = static_cast<Format>(rng() % 3);  // tag, special, lq
    const int b = 3 + static_cast<int>(rng() % 6);
    const int L = 1 + static_cast<int>(rng() % 5);
    const double theta = unit(rng) < 0.5 ? 0.0 : unit(rng) * 0.05;
    const Rounding r = unit(rng) < 0.5 ? Rounding::log : Rounding::linear;
    const CodeParams p = params(f, b, L, theta, r);
    double x = value(rng);
    if (unit(rng) < 0.3) x *= std::ldexp(1.0, -static_cast<int>(rng() % 12));
    const std::vector<int> got = slq_quantize(x, p), want = reference_slq(x, p);
    ASSERT_EQ(got, want) << "x = " << x << " format " << to_string(f) << " b = " << b << " L = " << L
                         << " theta = " << theta;
    ASSERT_GE(got.size(), 1u);
    ASSERT_LE(got.size(), static_cast<size_t>(p.words_limit()));
  }
}

TEST(Quant, LinearQuantizeLimitsAndRounding) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (int N = 1; N <= 12; ++N) {
    const int limit = (1 << N) - 1;
    for (double max_abs : {1e-3, 0.37, 1.0, 2.5, 1234.5}) {
      const double S = linear_step(max_abs, N);
      EXPECT_DOUBLE_EQ(S * limit, max_abs);
      EXPECT_EQ(linear_quantize(max_abs, S, N), limit);
      EXPECT_EQ(linear_quantize(-max_abs, S, N), -limit);
      EXPECT_EQ(linear_quantize(0.0, S, N), 0);
      EXPECT_EQ(linear_quantize(3 * max_abs, S, N), limit);    // clipped
      EXPECT_EQ(linear_quantize(-3 * max_abs, S, N), -limit);  // clipped
      for (int i = 0; i < 200; ++i) {
        const double w = unit(rng) * max_abs;
        const int q = linear_quantize(w, S, N);
        ASSERT_LE(std::abs(q), limit);
        ASSERT_LE(std::fabs(w - q * S), 0.5 * S * (1 + 1e-9)) << "w = " << w << " N = " << N;
        ASSERT_EQ(linear_quantize(-w, S, N), -q);  // symmetric
      }
    }
  }
  EXPECT_EQ(linear_quantize(2.6, 1.0, 8), 3);
  EXPECT_EQ(linear_quantize(2.4, 1.0, 8), 2);
  EXPECT_EQ(linear_quantize(-2.6, 1.0, 8), -3);
}

TEST(Quant, ScaleExponentMakesTheLargestWeightCodeOne) {
  EXPECT_EQ(scale_exponent(0.0), 0);
  for (int k = -20; k <= 20; ++k) EXPECT_EQ(scale_exponent(std::ldexp(1.0, k)), k + 1) << k;
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> exponent(-30.0, 30.0);
  std::vector<double> maxima;
  for (int i = 0; i < 20000; ++i) maxima.push_back(std::exp2(exponent(rng)));
  // The doubles closest to the rounding boundary 2^(k+0.5) on both sides.
  for (int k = -10; k <= 10; ++k) {
    const double s = std::ldexp(std::sqrt(2.0), k);
    double d = std::nextafter(std::nextafter(s, 0.0), 0.0);
    for (int n = 0; n < 5; ++n, d = std::nextafter(d, 1e300)) maxima.push_back(d);
  }
  for (double max_abs : maxima) {
    const int u = scale_exponent(max_abs);
    const double x = max_abs / std::ldexp(1.0, u);
    for (Format f : {Format::tag, Format::special, Format::lq}) {
      const CodeParams p = params(f, 5, f == Format::lq ? 1 : 2);
      ASSERT_EQ(log_quant(x, p), 1) << "max = " << max_abs << " u = " << u;
      ASSERT_EQ(log_quant(-x, p), -1) << "max = " << max_abs << " u = " << u;
    }
    // u = round(log2 max) + 1 within the rounding tie.
    ASSERT_LE(std::fabs(std::log2(max_abs) + 1 - u), 0.5 + 1e-9) << max_abs;
  }
}

}  // namespace
}  // namespace slq
