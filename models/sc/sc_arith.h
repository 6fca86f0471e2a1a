// Stochastic arithmetic of docs/arithmetic.md: stream generators, term products and the lanes'
// saturating up/down counters. The bit-level functions define the hardware; the closed forms
// must equal them (tests hold them to it).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace slq {

enum class SngKind { ld, lfsr };
const char* to_string(SngKind k);

// Low-discrepancy SNG: bit t of the stream of activation a (N bits), counter restarted per term.
inline int ld_bit(uint32_t a, uint64_t t, int stream_bits) {
  const int z = __builtin_ctzll(t + 1);
  return z >= stream_bits ? 0 : static_cast<int>((a >> (stream_bits - 1 - z)) & 1u);
}
// Ones among the first `nbits` bits of the LD stream of a (closed form).
uint32_t ld_count(uint32_t a, uint64_t nbits, int stream_bits);
inline uint64_t round_half_up_shift(uint32_t a, int e) { return (a + (e > 0 ? (1u << (e - 1)) : 0u)) >> e; }

// Maximal-length Fibonacci LFSR of N bits (N = 2..16), states 1 .. 2^N - 1.
uint32_t lfsr_next(uint32_t state, int stream_bits);
// Per-lane seed derived from the configuration seed (never 0).
uint32_t lfsr_seed(uint64_t config_seed, int lane, int stream_bits);
// LFSR SNG: bit = a > r where r = state - 1 (0 .. 2^N - 2); the state restarts from the lane's
// seed with every term, like the LD counter.
inline int lfsr_bit(uint32_t a, uint32_t state) { return a > state - 1 ? 1 : 0; }

// Closed-form ones counts of LFSR streams: prefix sums along the one LFSR cycle that all lanes
// share; a lane's seed is a phase on that cycle.
class LfsrTable {
 public:
  explicit LfsrTable(int stream_bits);  // N = 2..12
  uint32_t phase_of(uint32_t seed) const { return phase_of_[seed]; }
  // Ones of activation a among the first nbits bits of the stream that starts at `phase`.
  uint32_t count(uint32_t a, uint64_t nbits, uint32_t phase) const;

 private:
  uint32_t period_;
  std::vector<uint32_t> phase_of_;  // state -> position on the cycle that starts at state 1
  std::vector<uint16_t> prefix_;    // prefix_[a * (period+1) + i]: ones of a in the first i states
};

// Signed A-bit saturating accumulation; sets *saturated when the result was clipped.
inline int64_t saturating_add(int64_t acc, int64_t delta, int acc_bits, bool* saturated) {
  const int64_t hi = (int64_t{1} << (acc_bits - 1)) - 1, lo = -(int64_t{1} << (acc_bits - 1));
  int64_t r = acc + delta;
  if (r > hi) { *saturated = true; return hi; }
  if (r < lo) { *saturated = true; return lo; }
  return r;
}

// Adds sign * ones[lane] to acc[lane] for every lane, saturating at acc_bits; returns how many lanes
// clipped. `bound` is an upper bound of every |acc[lane]| that the caller keeps (0 for cleared
// counters). Each ones[lane] is at most max_ones; while the bound leaves room for that, no lane can
// clip and the adds need no checks (the common case: a loop the compiler vectorizes).
inline uint64_t accumulate_lanes(int64_t* acc, const uint32_t* ones, int lanes, int sign, uint32_t max_ones,
                                 int acc_bits, int64_t& bound) {
  const int64_t hi = (int64_t{1} << (acc_bits - 1)) - 1;
  if (bound + max_ones <= hi) {
    const int64_t s = sign;
    for (int lane = 0; lane < lanes; ++lane) acc[lane] += s * static_cast<int64_t>(ones[lane]);
    bound += max_ones;
    return 0;
  }
  uint64_t clipped_lanes = 0;
  int64_t largest = 0;
  for (int lane = 0; lane < lanes; ++lane) {
    bool clipped = false;
    acc[lane] = saturating_add(acc[lane], sign * static_cast<int64_t>(ones[lane]), acc_bits, &clipped);
    clipped_lanes += clipped;
    largest = std::max(largest, acc[lane] < 0 ? -acc[lane] : acc[lane]);
  }
  bound = largest;
  return clipped_lanes;
}

// A term as the MAC array sees it: sign and the number of stream bits it counts.
struct TermBits {
  int sign = 1;        // +1 or -1
  uint32_t nbits = 0;  // 2^(N-e) for a log term, |w_int| for a linear term; 0 = no array cycle
};
// The term of code word v (log formats): no term (nbits 0) for v = 0 or e > N.
TermBits log_term(int v, int word_bits, int stream_bits);
// The term of linear value w_int.
TermBits linear_term(int w_int);
// Array cycles of a term with B bits per cycle.
inline uint32_t term_cycles(uint32_t nbits, int bits_per_cycle) {
  if (bits_per_cycle == 1) return nbits;  // the common case, without a division
  return (nbits + static_cast<uint32_t>(bits_per_cycle) - 1) / static_cast<uint32_t>(bits_per_cycle);
}

}  // namespace slq
