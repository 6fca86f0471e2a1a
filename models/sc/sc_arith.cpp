#include "models/sc/sc_arith.h"

#include <cstdlib>
#include <stdexcept>

namespace slq {

const char* to_string(SngKind k) { return k == SngKind::ld ? "ld" : "lfsr"; }

uint32_t ld_count(uint32_t a, uint64_t nbits, int stream_bits) {
  // Bit a[N-1-z] is emitted at the t with exactly z trailing zeros in t+1:
  // floor(n / 2^z) - floor(n / 2^(z+1)) times among the first n bits.
  uint64_t ones = 0;
  for (int z = 0; z < stream_bits; ++z)
    if ((a >> (stream_bits - 1 - z)) & 1u) ones += (nbits >> z) - (nbits >> (z + 1));
  return static_cast<uint32_t>(ones);
}

namespace {
// Taps (bit positions, 1-based from the output end) of maximal-length Fibonacci LFSRs.
const uint32_t kTaps[17] = {0, 0, 0x3, 0x6, 0xC, 0x14, 0x30, 0x60, 0xB8, 0x110, 0x240,
                            0x500, 0xE08, 0x1C80, 0x3802, 0x6000, 0xD008};
}  // namespace

uint32_t lfsr_next(uint32_t state, int n) {
  const uint32_t feedback = static_cast<uint32_t>(__builtin_parity(state & kTaps[n]));
  return ((state << 1) | feedback) & ((1u << n) - 1);
}

uint32_t lfsr_seed(uint64_t config_seed, int lane, int n) {
  // splitmix64 of (seed, lane), folded into 1 .. 2^N - 1.
  uint64_t z = config_seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(lane + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<uint32_t>(z % ((1u << n) - 1)) + 1;
}

LfsrTable::LfsrTable(int stream_bits) : period_((1u << stream_bits) - 1) {
  if (stream_bits < 2 || stream_bits > 12) throw std::invalid_argument("the lfsr SNG supports N = 2..12");
  std::vector<uint32_t> state_at(period_);
  phase_of_.assign(period_ + 1, 0);
  uint32_t s = 1;
  for (uint32_t i = 0; i < period_; ++i, s = lfsr_next(s, stream_bits)) {
    state_at[i] = s;
    phase_of_[s] = i;
  }
  const uint32_t values = 1u << stream_bits;
  prefix_.assign(static_cast<size_t>(values) * (period_ + 1), 0);
  for (uint32_t a = 0; a < values; ++a) {
    uint16_t* row = &prefix_[static_cast<size_t>(a) * (period_ + 1)];
    for (uint32_t i = 0; i < period_; ++i) row[i + 1] = static_cast<uint16_t>(row[i] + lfsr_bit(a, state_at[i]));
  }
}

uint32_t LfsrTable::count(uint32_t a, uint64_t nbits, uint32_t phase) const {
  const uint16_t* row = &prefix_[static_cast<size_t>(a) * (period_ + 1)];
  const uint64_t full = nbits / period_;
  const uint32_t rest = static_cast<uint32_t>(nbits % period_);
  uint64_t ones = full * row[period_];
  if (phase + rest <= period_) {
    ones += row[phase + rest] - row[phase];
  } else {
    ones += row[period_] - row[phase] + row[phase + rest - period_];
  }
  return static_cast<uint32_t>(ones);
}

TermBits log_term(int v, int word_bits, int stream_bits) {
  TermBits t;
  if (v == 0) return t;
  const int e = std::abs(v);  // M = -2^(b-1) in lq has e = 2^(b-1)
  t.sign = v > 0 ? 1 : -1;
  if (e <= stream_bits) t.nbits = 1u << (stream_bits - e);
  return t;
}

TermBits linear_term(int w_int) {
  TermBits t;
  t.sign = w_int < 0 ? -1 : 1;
  t.nbits = static_cast<uint32_t>(std::abs(w_int));
  return t;
}

}  // namespace slq
