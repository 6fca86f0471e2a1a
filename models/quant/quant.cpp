#include "models/quant/quant.h"

#include <cmath>
#include <cstdlib>

namespace slq {

double code_value(int v) {
  if (v == 0) return 0.0;
  return v > 0 ? std::ldexp(1.0, -v) : -std::ldexp(1.0, v);
}

int log_round_exponent(double magnitude, Rounding rounding) {
  // magnitude = m * 2^E with m in [0.5, 1): 2^(E-1) <= magnitude < 2^E.
  int E = 0;
  double m = std::frexp(magnitude, &E);
  bool round_up;
  if (rounding == Rounding::log) {
    // Up iff magnitude >= 2^(E-0.5), i.e. m^2 >= 1/2, decided exactly with an FMA residual.
    double sq = m * m;
    double residual = std::fma(m, m, -sq);
    round_up = sq > 0.5 || (sq == 0.5 && residual >= 0.0);
  } else {
    round_up = m >= 0.75;  // nearer in linear distance; the midpoint goes up
  }
  return round_up ? -E : 1 - E;
}

int int_log_round(int64_t r) {
  const uint64_t a = r < 0 ? 0 - static_cast<uint64_t>(r) : static_cast<uint64_t>(r);  // no overflow at INT64_MIN
  int k = 63 - __builtin_clzll(a);
  // a^2 >= 2^(2k+1)  <=>  a >= 2^k * sqrt(2); compare in 128 bits to stay exact.
  unsigned __int128 sq = static_cast<unsigned __int128>(a) * a;
  unsigned __int128 bound = static_cast<unsigned __int128>(1) << (2 * k + 1);
  return sq >= bound ? k + 1 : k;
}

int log_quant(double x, Rounding rounding, int emax_pos, int emax_neg) {
  if (x == 0.0 || std::isnan(x)) return 0;
  int e = log_round_exponent(std::fabs(x), rounding);
  if (e < 1) e = 1;
  int emax = x > 0 ? emax_pos : emax_neg;
  if (e > emax) return 0;  // rounds below 2^-Emax
  return x > 0 ? e : -e;
}

int log_quant(double x, const CodeParams& p) {
  return log_quant(x, p.rounding, p.emax_positive(), p.emax_negative());
}

std::vector<int> slq_quantize(double x, const CodeParams& p) {
  std::vector<int> words;
  double approx = 0.0;
  const int limit = p.words_limit();
  for (int i = 1; i <= limit; ++i) {
    double residue = x - approx;
    if (i > 1 && std::fabs(residue) <= p.theta) break;
    int q = log_quant(residue, p);
    if (q == 0) {
      if (i == 1) words.push_back(0);
      break;
    }
    approx += code_value(q);
    words.push_back(q);
  }
  return words;
}

double slq_value(const std::vector<int>& words) {
  double v = 0.0;
  for (int w : words) v += code_value(w);
  return v;
}

double linear_step(double max_abs, int stream_bits) {
  if (max_abs <= 0.0) return 1.0;
  return max_abs / static_cast<double>((1 << stream_bits) - 1);
}

int linear_quantize(double w, double step, int stream_bits) {
  const int limit = (1 << stream_bits) - 1;
  long q = std::lround(w / step);
  if (q > limit) q = limit;
  if (q < -limit) q = -limit;
  return static_cast<int>(q);
}

int scale_exponent(double max_abs) {
  if (!(max_abs > 0.0)) return 0;
  // round(log2 max) in the log domain, decided exactly: std::log2 rounds to k + 0.5 for doubles
  // just below 2^(k+0.5), which made the largest weight code 2 instead of 1.
  return 1 - log_round_exponent(max_abs, Rounding::log);
}

}  // namespace slq
