// Stochastic arithmetic of docs/arithmetic.md and the golden pass of docs/cycles.md: the LD count identity, LFSR
// streams and their closed-form counts, saturating lanes and term cycles. Closed forms are held
// to bit-by-bit generation written here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "models/sc/sc_arith.h"
#include "models/sc/sc_layer.h"

namespace slq {
namespace {

uint64_t ld_ones_bit_by_bit(uint32_t a, uint64_t nbits, int N) {
  uint64_t ones = 0;
  for (uint64_t t = 0; t < nbits; ++t) ones += ld_bit(a, t, N);
  return ones;
}

// The LD generator straight from docs/arithmetic.md: bit(t) = a[N-1-z], z = trailing zeros of t+1.
int spec_ld_bit(uint32_t a, uint64_t t, int N) {
  uint64_t v = t + 1;
  int z = 0;
  while (v % 2 == 0) {
    v /= 2;
    ++z;
  }
  return z >= N ? 0 : static_cast<int>((a >> (N - 1 - z)) & 1u);
}

TEST(ScArith, LdBitFollowsTheSpec) {
  for (int N = 1; N <= 10; ++N)
    for (uint32_t a = 0; a < (1u << N); ++a)
      for (uint64_t t = 0; t < (uint64_t{2} << N); ++t)
        ASSERT_EQ(ld_bit(a, t, N), spec_ld_bit(a, t, N)) << "N " << N << " a " << a << " t " << t;
}

TEST(ScArith, LdCountIdentityExhaustiveN8) {
  const int N = 8;
  for (uint32_t a = 0; a < 256; ++a) {
    for (int e = 0; e <= N; ++e) {
      const uint64_t nbits = uint64_t{1} << (N - e);
      const uint64_t expected = (2 * uint64_t{a} + (uint64_t{1} << e)) / (uint64_t{2} << e);  // floor(a/2^e + 1/2)
      ASSERT_EQ(ld_ones_bit_by_bit(a, nbits, N), expected) << "a " << a << " e " << e;
      ASSERT_EQ(ld_count(a, nbits, N), expected) << "a " << a << " e " << e;
      ASSERT_EQ(round_half_up_shift(a, e), expected) << "a " << a << " e " << e;
    }
  }
}

TEST(ScArith, LdCountIdentityOtherWidths) {
  for (int N : {1, 2, 4, 6, 10, 12}) {
    for (uint32_t a = 0; a < (1u << N); a += (N > 8 ? 7 : 1)) {
      for (int e = 0; e <= N; ++e) {
        const uint64_t nbits = uint64_t{1} << (N - e);
        const uint64_t expected = (2 * uint64_t{a} + (uint64_t{1} << e)) / (uint64_t{2} << e);
        ASSERT_EQ(ld_ones_bit_by_bit(a, nbits, N), expected) << "N " << N << " a " << a << " e " << e;
        ASSERT_EQ(ld_count(a, nbits, N), expected) << "N " << N << " a " << a << " e " << e;
      }
    }
  }
}

TEST(ScArith, LdCountEqualsBitByBitForEveryPrefix) {
  const int N = 8;
  for (uint32_t a = 0; a < 256; ++a) {
    uint64_t ones = 0;
    for (uint64_t n = 0; n <= 256; ++n) {
      ASSERT_EQ(ld_count(a, n, N), ones) << "a " << a << " prefix " << n;
      ones += ld_bit(a, n, N);
    }
  }
  // Longer than one period (linear terms may count up to 2^N - 1 bits; the stream repeats).
  for (uint32_t a : {0u, 1u, 77u, 128u, 255u}) {
    uint64_t ones = 0;
    for (uint64_t n = 0; n <= 1000; ++n) {
      ASSERT_EQ(ld_count(a, n, N), ones) << "a " << a << " prefix " << n;
      ones += ld_bit(a, n, N);
    }
  }
}

TEST(ScArith, LfsrIsMaximalLength) {
  for (int N = 2; N <= 16; ++N) {
    const uint32_t period = (1u << N) - 1;
    std::vector<bool> seen(period + 1, false);
    uint32_t s = 1;
    for (uint32_t i = 0; i < period; ++i) {
      ASSERT_GE(s, 1u) << "N " << N;
      ASSERT_LE(s, period) << "N " << N;
      ASSERT_FALSE(seen[s]) << "N " << N << ": state " << s << " repeats after " << i << " steps";
      seen[s] = true;
      s = lfsr_next(s, N);
    }
    EXPECT_EQ(s, 1u) << "N " << N << ": period is not 2^N - 1";
  }
}

TEST(ScArith, LfsrSeedsAreValidStates) {
  for (int N = 2; N <= 12; ++N)
    for (uint64_t seed : {0ull, 1ull, 42ull, 0xFFFFFFFFFFFFFFFFull})
      for (int lane = 0; lane < 300; ++lane) {
        const uint32_t s = lfsr_seed(seed, lane, N);
        ASSERT_GE(s, 1u);
        ASSERT_LT(s, 1u << N);
      }
  // Lanes get different seeds (not all equal) so their streams decorrelate.
  std::vector<uint32_t> seeds;
  for (int lane = 0; lane < 16; ++lane) seeds.push_back(lfsr_seed(1, lane, 8));
  std::sort(seeds.begin(), seeds.end());
  EXPECT_GT(std::unique(seeds.begin(), seeds.end()) - seeds.begin(), 8);
}

uint64_t lfsr_ones_bit_by_bit(uint32_t a, uint64_t nbits, uint32_t seed, int N) {
  uint64_t ones = 0;
  uint32_t s = seed;
  for (uint64_t t = 0; t < nbits; ++t, s = lfsr_next(s, N)) ones += static_cast<uint64_t>(a > s - 1);
  return ones;
}

TEST(ScArith, LfsrBitComparesWithStateMinusOne) {
  for (uint32_t state = 1; state < 256; ++state)
    for (uint32_t a = 0; a < 256; ++a) ASSERT_EQ(lfsr_bit(a, state), a > state - 1 ? 1 : 0);
}

TEST(ScArith, LfsrTableCountEqualsBitByBit) {
  std::mt19937_64 rng(31);
  for (int N = 2; N <= 12; ++N) {
    const LfsrTable table(N);
    const uint32_t period = (1u << N) - 1;
    for (int trial = 0; trial < 300; ++trial) {
      const uint32_t a = static_cast<uint32_t>(rng() % (1u << N));
      const uint32_t seed = trial % 2 ? lfsr_seed(rng(), trial, N) : 1 + static_cast<uint32_t>(rng() % period);
      uint64_t nbits;
      switch (trial % 4) {
        case 0: nbits = rng() % (period + 1); break;
        case 1: nbits = period * (1 + rng() % 3) + rng() % 3 - 1; break;  // around whole periods
        case 2: nbits = uint64_t{1} << (rng() % (N + 1)); break;            // log terms
        default: nbits = rng() % (4 * period + 10); break;
      }
      uint64_t want = 0;
      uint32_t s = seed;
      for (uint64_t t = 0; t < nbits; ++t, s = lfsr_next(s, N)) want += lfsr_bit(a, s);
      ASSERT_EQ(table.count(a, nbits, table.phase_of(seed)), want)
          << "N " << N << " a " << a << " seed " << seed << " nbits " << nbits;
    }
  }
}

TEST(ScArith, LfsrCountIsUnbiasedOverLaneSeeds) {
  const int N = 8;
  const LfsrTable table(N);
  const uint32_t period = (1u << N) - 1;
  // Over all phases every stream bit meets every LFSR state once: the mean count of nbits bits
  // is exactly nbits * a / (2^N - 1), within one count of a * 2^-e.
  for (uint32_t a : {0u, 1u, 37u, 128u, 200u, 255u}) {
    for (int e = 0; e <= N; ++e) {
      const uint64_t nbits = uint64_t{1} << (N - e);
      uint64_t sum = 0;
      for (uint32_t seed = 1; seed <= period; ++seed) sum += table.count(a, nbits, table.phase_of(seed));
      EXPECT_EQ(sum, nbits * a) << "a " << a << " e " << e;
      EXPECT_LE(std::fabs(static_cast<double>(sum) / period - std::ldexp(a, -e)), 1.0);
    }
  }
  // With the configuration's per-lane seeds: the mean is within statistical bounds.
  std::mt19937_64 rng(5);
  const int lanes = 4000;
  for (int trial = 0; trial < 40; ++trial) {
    const uint32_t a = static_cast<uint32_t>(rng() % 256);
    const int e = static_cast<int>(rng() % 7);
    const uint64_t nbits = uint64_t{1} << (N - e);
    const uint64_t config_seed = rng();
    double sum = 0, sum2 = 0;
    for (int lane = 0; lane < lanes; ++lane) {
      const double c = table.count(a, nbits, table.phase_of(lfsr_seed(config_seed, lane, N)));
      sum += c;
      sum2 += c * c;
    }
    const double mean = sum / lanes;
    const double sd = std::sqrt(std::max(sum2 / lanes - mean * mean, 0.25));
    const double target = std::ldexp(a, -e);
    // Bias at most a 2^-e / (2^N - 1) <= 1 count, plus 5 standard errors.
    EXPECT_LE(std::fabs(mean - target), target / period + 5 * sd / std::sqrt(lanes))
        << "a " << a << " e " << e << " mean " << mean;
  }
}

TEST(ScArith, SngBankUsesTheLaneSeeds) {
  ArrayParams ap;
  ap.sng = SngKind::lfsr;
  ap.lanes = 8;
  ap.stream_bits = 6;
  ap.seed = 99;
  const SngBank bank(ap);
  for (int lane = 0; lane < ap.lanes; ++lane) {
    const uint32_t seed = lfsr_seed(ap.seed, lane, ap.stream_bits);
    EXPECT_EQ(bank.lane_seed(lane), seed);
    for (uint32_t a : {0u, 5u, 40u, 63u})
      for (uint32_t n : {1u, 7u, 32u, 64u, 100u})
        EXPECT_EQ(bank.count(lane, a, n), lfsr_ones_bit_by_bit(a, n, seed, ap.stream_bits));
  }
  ArrayParams ld;
  ld.stream_bits = 8;
  const SngBank ld_bank(ld);
  for (uint32_t a : {0u, 1u, 99u, 255u})
    for (uint32_t n : {0u, 1u, 3u, 128u, 256u}) EXPECT_EQ(ld_bank.count(3, a, n), ld_ones_bit_by_bit(a, n, 8));
}

// A term of 0 bits counts no ones, for every generator and N: the log closed form took
// ctz(0), which is undefined (a shift by N - 32 in practice).
TEST(ScArith, SngBankCountsNoOnesInZeroBits) {
  for (SngKind kind : {SngKind::ld, SngKind::lfsr})
    for (int n = kind == SngKind::lfsr ? 2 : 1; n <= 12; ++n) {
      ArrayParams ap;
      ap.sng = kind;
      ap.lanes = 4;
      ap.stream_bits = n;
      const SngBank bank(ap);
      const uint32_t top = (1u << n) - 1;
      const uint32_t acts[4] = {0, 1, top / 2, top};
      uint32_t ones[4] = {7, 7, 7, 7};
      bank.counts(acts, 0, 4, ones);
      for (int lane = 0; lane < 4; ++lane) {
        EXPECT_EQ(bank.count(lane, acts[lane], 0), 0u) << "N " << n << " a " << acts[lane];
        EXPECT_EQ(ones[lane], 0u) << "N " << n << " a " << acts[lane];
      }
      int64_t acc[4] = {5, -5, 0, 1}, bound = 0;
      uint32_t scratch[4];
      EXPECT_EQ(bank.accumulate(acc, acts, 4, 1, 0, 24, bound, scratch), 0u);
      EXPECT_EQ(acc[0], 5);
      EXPECT_EQ(acc[1], -5);
      EXPECT_EQ(acc[3], 1);
    }
}

TEST(ScArith, SaturatingAddClipsAtABitsAndFlags) {
  bool sat = false;
  EXPECT_EQ(saturating_add(100, 27, 8, &sat), 127);
  EXPECT_FALSE(sat);
  EXPECT_EQ(saturating_add(100, 28, 8, &sat), 127);
  EXPECT_TRUE(sat);
  sat = false;
  EXPECT_EQ(saturating_add(-100, -28, 8, &sat), -128);
  EXPECT_FALSE(sat);
  EXPECT_EQ(saturating_add(-100, -29, 8, &sat), -128);
  EXPECT_TRUE(sat);
  sat = false;
  EXPECT_EQ(saturating_add(127, -255, 8, &sat), -128);  // exactly the lower limit
  EXPECT_FALSE(sat);
  EXPECT_EQ(saturating_add(127, -256, 8, &sat), -128);
  EXPECT_TRUE(sat);
  for (int A : {2, 5, 16, 24, 48}) {
    const int64_t hi = (int64_t{1} << (A - 1)) - 1, lo = -hi - 1;
    std::mt19937_64 rng(A);
    for (int i = 0; i < 10000; ++i) {
      const int64_t acc = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
      const int64_t delta = static_cast<int64_t>(rng() % 2001) - 1000 + (i % 3 ? 0 : static_cast<int64_t>(rng() % (hi + 1)));
      bool s = false;
      const int64_t r = saturating_add(acc, delta, A, &s);
      const int64_t exact = acc + delta;
      ASSERT_EQ(r, std::min(hi, std::max(lo, exact)));
      ASSERT_EQ(s, exact > hi || exact < lo);
    }
  }
}

TEST(ScArith, TermCyclesWithBBitsPerCycle) {
  for (int B = 1; B <= 64; ++B) {
    for (uint32_t n = 0; n <= 600; ++n) {
      uint32_t cycles = 0;
      while (static_cast<uint64_t>(cycles) * B < n) ++cycles;  // smallest c with c * B >= n
      ASSERT_EQ(term_cycles(n, B), cycles) << "n " << n << " B " << B;
    }
  }
  EXPECT_EQ(term_cycles(256, 1), 256u);
  EXPECT_EQ(term_cycles(256, 3), 86u);
  EXPECT_EQ(term_cycles(1, 64), 1u);
}

TEST(ScArith, LogAndLinearTerms) {
  for (int b = 3; b <= 8; ++b) {
    for (int N = 1; N <= 16; ++N) {
      EXPECT_EQ(log_term(0, b, N).nbits, 0u);
      for (int v = -(1 << (b - 1)); v < (1 << (b - 1)); ++v) {
        if (v == 0) continue;
        const int e = std::abs(v);
        const TermBits t = log_term(v, b, N);
        if (e > N) {
          EXPECT_EQ(t.nbits, 0u) << "v " << v << " N " << N;  // contributes nothing, no cycle
        } else {
          EXPECT_EQ(t.nbits, 1u << (N - e)) << "v " << v << " N " << N;
          EXPECT_EQ(t.sign, v > 0 ? 1 : -1);
        }
      }
    }
  }
  EXPECT_EQ(linear_term(0).nbits, 0u);
  EXPECT_EQ(linear_term(200).nbits, 200u);
  EXPECT_EQ(linear_term(200).sign, 1);
  EXPECT_EQ(linear_term(-37).nbits, 37u);
  EXPECT_EQ(linear_term(-37).sign, -1);
}

TEST(ScLayer, StreamTermsSkipZeroAndTinyCodes) {
  CodeParams p;
  p.format = Format::special;
  p.word_bits = 5;
  p.stream_bits = 8;
  p.max_words = 2;
  WeightWords w;
  w.add({0});       // weight 0: no term
  w.add({1, -4});   // weight 1: +128 bits, -16 bits
  w.add({9});       // weight 2: e > N, no term
  w.add({-3, 12});  // weight 3: -32 bits, the second word is too small
  const std::vector<Term> terms = stream_terms(w, p);
  ASSERT_EQ(terms.size(), 3u);
  EXPECT_EQ(terms[0].weight, 1u);
  EXPECT_EQ(terms[0].sign, 1);
  EXPECT_EQ(terms[0].nbits, 128u);
  EXPECT_TRUE(terms[0].first);
  EXPECT_EQ(terms[1].weight, 1u);
  EXPECT_EQ(terms[1].sign, -1);
  EXPECT_EQ(terms[1].nbits, 16u);
  EXPECT_FALSE(terms[1].first);
  EXPECT_EQ(terms[2].weight, 3u);
  EXPECT_EQ(terms[2].nbits, 32u);
  EXPECT_EQ(terms[2].exponent, 3);
  EXPECT_TRUE(terms[2].first);
}

// What the golden model's row kernel relies on for linear terms: the LD count over n = 2^k1 +
// 2^k2 + ... bits is the sum of the log-term closed forms round_half_up(a / 2^(N-ki)).
TEST(ScArith, LdCountIsASumOfLogTermCounts) {
  for (int N : {2, 5, 8, 10}) {
    for (uint32_t a = 0; a < (1u << N); ++a) {
      for (uint32_t n = 0; n <= (1u << N); ++n) {
        uint64_t sum = 0;
        for (uint32_t rest = n; rest != 0; rest &= rest - 1) sum += round_half_up_shift(a, N - __builtin_ctz(rest));
        ASSERT_EQ(sum, ld_count(a, n, N)) << "N " << N << ", a " << a << ", n " << n;
      }
    }
  }
}

TEST(ScLayer, GoldenPassSmallHandCase) {
  ArrayParams ap;
  ap.lanes = 2;
  ap.stream_bits = 8;
  ap.bits_per_cycle = 1;
  const SngBank sng(ap);
  // One row of two weights: +2^-1 and -2^-2.
  std::vector<Term> terms(2);
  terms[0].weight = 0, terms[0].sign = 1, terms[0].nbits = 128, terms[0].first = true;
  terms[1].weight = 1, terms[1].sign = -1, terms[1].nbits = 64, terms[1].first = true;
  // acts[lane * cols + col]: lane 0 = {100, 40}, lane 1 = {7, 255}.
  const std::vector<uint32_t> acts = {100, 40, 7, 255};
  PassResult r = golden_pass(terms, 1, 2, acts, ap, sng);
  ASSERT_EQ(r.acc.size(), 2u);
  EXPECT_EQ(r.acc[0], 50 - 10);  // round(100/2) - round(40/4)
  EXPECT_EQ(r.acc[1], 4 - 64);   // round(7/2) = 4, round(255/4) = 64
  EXPECT_EQ(r.saturations, 0u);
  EXPECT_EQ(r.term_cycles, 192u);
  ap.bits_per_cycle = 4;
  r = golden_pass(terms, 1, 2, acts, ap, sng);
  EXPECT_EQ(r.term_cycles, 48u);
  EXPECT_EQ(r.acc[0], 40);  // B changes time, not the count
  // A = 6 bits: lane 1 goes 4 - 64 = -60 below -32.
  ap.acc_bits = 6;
  r = golden_pass(terms, 1, 2, acts, ap, sng);
  EXPECT_EQ(r.acc[0], 31 - 10);  // 50 clipped to 31 first
  EXPECT_EQ(r.acc[1], -32);
  EXPECT_EQ(r.saturations, 2u);
}

// Straightforward golden pass: bit-by-bit stream generation and a clamped counter per lane.
PassResult reference_pass(const std::vector<Term>& terms, int rows, int cols, const std::vector<uint32_t>& acts,
                          const ArrayParams& a) {
  PassResult r;
  r.rows = rows;
  r.lanes = a.lanes;
  r.acc.assign(static_cast<size_t>(rows) * a.lanes, 0);
  const int64_t hi = (int64_t{1} << (a.acc_bits - 1)) - 1, lo = -hi - 1;
  for (const Term& t : terms) {
    const int row = static_cast<int>(t.weight) / cols, col = static_cast<int>(t.weight) % cols;
    for (int lane = 0; lane < a.lanes; ++lane) {
      const uint32_t act = acts[static_cast<size_t>(lane) * cols + col];
      const uint64_t ones = a.sng == SngKind::ld
                                ? ld_ones_bit_by_bit(act, t.nbits, a.stream_bits)
                                : lfsr_ones_bit_by_bit(act, t.nbits, lfsr_seed(a.seed, lane, a.stream_bits), a.stream_bits);
      int64_t& acc = r.acc[static_cast<size_t>(row) * a.lanes + lane];
      int64_t v = acc + t.sign * static_cast<int64_t>(ones);
      if (v > hi || v < lo) ++r.saturations;
      acc = std::min(hi, std::max(lo, v));
    }
    r.term_cycles += (t.nbits + a.bits_per_cycle - 1) / a.bits_per_cycle;
  }
  return r;
}

TEST(ScLayer, GoldenPassMatchesReferenceOnRandomCases) {
  std::mt19937_64 rng(123);
  int saturating_cases = 0;
  for (int trial = 0; trial < 300; ++trial) {
    ArrayParams ap;
    // Some arrays of several of the row kernel's 16-lane blocks and a remainder, some of exactly one.
    ap.lanes = trial % 5 == 0 ? 60 + static_cast<int>(rng() % 80) : trial % 5 == 1 ? 16 : 1 + static_cast<int>(rng() % 8);
    ap.stream_bits = 2 + static_cast<int>(rng() % 9);
    ap.bits_per_cycle = 1 + static_cast<int>(rng() % 8);
    ap.acc_bits = trial % 2 ? 4 + static_cast<int>(rng() % 8) : 24;
    ap.sng = trial % 3 == 0 ? SngKind::lfsr : SngKind::ld;
    ap.seed = rng();
    const int rows = 1 + static_cast<int>(rng() % 4), cols = 1 + static_cast<int>(rng() % 6);
    std::vector<uint32_t> acts(static_cast<size_t>(ap.lanes) * cols);
    for (auto& x : acts) x = static_cast<uint32_t>(rng() % (1u << ap.stream_bits));
    std::vector<Term> terms;
    for (int i = 0; i < rows * cols; ++i) {
      const int words = static_cast<int>(rng() % 3);
      for (int k = 0; k < words; ++k) {
        Term t;
        t.weight = static_cast<uint32_t>(i);
        t.sign = rng() % 2 ? 1 : -1;
        t.first = k == 0;
        if (rng() % 4 == 0) {  // a linear term
          t.nbits = 1 + static_cast<uint32_t>(rng() % ((1u << ap.stream_bits) - 1));
        } else {
          t.exponent = static_cast<int8_t>(rng() % (ap.stream_bits + 1));
          t.nbits = 1u << (ap.stream_bits - t.exponent);
        }
        terms.push_back(t);
      }
    }
    const SngBank sng(ap);
    const PassResult got = golden_pass(terms, rows, cols, acts, ap, sng);
    const PassResult want = reference_pass(terms, rows, cols, acts, ap);
    SngBank portable(ap);  // the row kernel's build without AVX2 (the other one, where it runs)
    portable.use_portable_kernel();
    ASSERT_EQ(golden_pass(terms, rows, cols, acts, ap, portable).acc, want.acc) << "portable kernel, trial " << trial;
    ASSERT_EQ(got.rows, rows);
    ASSERT_EQ(got.lanes, ap.lanes);
    ASSERT_EQ(got.acc, want.acc) << "trial " << trial;
    ASSERT_EQ(got.saturations, want.saturations) << "trial " << trial;
    ASSERT_EQ(got.term_cycles, want.term_cycles) << "trial " << trial;
    saturating_cases += want.saturations > 0;
  }
  EXPECT_GT(saturating_cases, 20);
}

}  // namespace
}  // namespace slq
