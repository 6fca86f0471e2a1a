#include "models/sc/sc_layer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SLQ_HAVE_AVX2_KERNEL 1
#endif

#include "models/errors.h"

namespace slq {

void ArrayParams::validate(const std::string& where) const {
  auto bad = [&](const std::string& what) { throw InputError(where, "", what); };
  if (lanes < 1 || lanes > 4096) bad("lanes P = " + std::to_string(lanes) + " out of range 1..4096");
  if (bits_per_cycle < 1 || bits_per_cycle > 64)
    bad("bits per cycle B = " + std::to_string(bits_per_cycle) + " out of range 1..64");
  if (acc_bits < 2 || acc_bits > 48) bad("accumulator bits A = " + std::to_string(acc_bits) + " out of range 2..48");
  if (stream_bits < 1 || stream_bits > 16) bad("stream bits N = " + std::to_string(stream_bits) + " out of range 1..16");
  if (sng == SngKind::lfsr && (stream_bits < 2 || stream_bits > 12))
    bad("the lfsr SNG supports stream bits N = 2..12");
}

Term word_term(int32_t value, const CodeParams& p) {
  const TermBits bits = p.format == Format::linear ? linear_term(value) : log_term(value, p.word_bits, p.stream_bits);
  Term t;
  t.sign = static_cast<int8_t>(bits.sign);
  t.nbits = bits.nbits;
  t.exponent = static_cast<int8_t>(p.format == Format::linear ? 0 : (value < 0 ? -value : value));
  return t;
}

std::vector<Term> stream_terms(const WeightWords& weights, const CodeParams& p) {
  std::vector<Term> terms;
  terms.reserve(weights.words.size());
  for (size_t i = 0; i < weights.weight_count(); ++i) {
    for (size_t k = 0; k < weights.words_of(i); ++k) {
      Term t = word_term(weights.begin_of(i)[k], p);
      if (t.nbits == 0) continue;
      t.weight = static_cast<uint32_t>(i);
      t.first = k == 0;
      terms.push_back(t);
    }
  }
  return terms;
}

std::shared_ptr<const SngBank::LdTables> SngBank::ld_tables(int stream_bits) {
  static std::mutex lock;
  static std::map<int, std::shared_ptr<const LdTables>> built;
  const std::lock_guard<std::mutex> hold(lock);
  auto& entry = built[stream_bits];
  if (entry) return entry;
  auto t = std::make_shared<LdTables>();
  const uint32_t values = 1u << stream_bits;
  t->count16.resize(static_cast<size_t>(values) * (values + 1));
  for (uint32_t act = 0; act < values; ++act)
    for (uint32_t n = 0; n <= values; ++n) t->count16[n * values + act] = static_cast<uint16_t>(ld_count(act, n, stream_bits));
  t->count32.assign(t->count16.begin(), t->count16.end());
  entry = t;
  return entry;
}

SngBank::SngBank(const ArrayParams& a) : n_(a.stream_bits) {
  if (a.sng != SngKind::lfsr) {
    if (n_ > 10) return;
    ld_ = ld_tables(n_);
#ifdef SLQ_HAVE_AVX2_KERNEL
    __builtin_cpu_init();
    avx2_ = __builtin_cpu_supports("avx2");
#endif
    return;
  }
  auto table = std::make_shared<LfsrTable>(a.stream_bits);
  for (int lane = 0; lane < a.lanes; ++lane) {
    seed_.push_back(lfsr_seed(a.seed, lane, a.stream_bits));
    phase_.push_back(table->phase_of(seed_.back()));
  }
  lfsr_ = table;
}

namespace {
using v8u = uint32_t __attribute__((vector_size(32)));
using v8i = int32_t __attribute__((vector_size(32)));

// A term's 16 activations from `base`, and its sign as a mask: x -> (x ^ neg) - neg negates when
// neg = -1.
__attribute__((always_inline)) inline void load_16(const Term& t, uint32_t row_first, const uint32_t* acts_by_col,
                                                   int lanes, int base, v8u& a0, v8u& a1, v8i& neg) {
  const uint32_t* a = acts_by_col + static_cast<size_t>(t.weight - row_first) * lanes + base;
  std::memcpy(&a0, a, sizeof a0);
  std::memcpy(&a1, a + 8, sizeof a1);
  neg = v8i{} + (t.sign < 0 ? -1 : 0);
}
// Adds the 16 lanes' counts of a 2^k-bit block, round_half_up(a / 2^e) with e = N - k (docs/arithmetic.md).
__attribute__((always_inline)) inline void add_block_16(v8u a0, v8u a1, v8i neg, int e, v8i& s0, v8i& s1) {
  const v8u half = v8u{} + (e > 0 ? 1u << (e - 1) : 0u);
  s0 += (reinterpret_cast<v8i>((a0 + half) >> e) ^ neg) - neg;
  s1 += (reinterpret_cast<v8i>((a1 + half) >> e) ^ neg) - neg;
}
__attribute__((always_inline)) inline void add_partial_sums_16(const v8i& s0, const v8i& s1, int base, int64_t* acc) {
  for (int lane = 0; lane < 8; ++lane) {
    acc[base + lane] += s0[lane];
    acc[base + 8 + lane] += s1[lane];
  }
}

// The row kernel on 16 lanes from `base`: partial sums in two 8-lane vectors (GCC's vector
// extensions: two AVX2 registers, or four SSE2 ones in the default build). 32-bit partial sums:
// the caller bounds the row's total by the counters' range and 2^31.
inline void accumulate_16(const Term* first, const Term* last, uint32_t row_first, const uint32_t* acts_by_col,
                          int lanes, int base, int stream_bits, int64_t* acc) {
  v8i s0 = {}, s1 = {};
  for (const Term* t = first; t != last; ++t) {
    v8u a0, a1;
    v8i neg;
    load_16(*t, row_first, acts_by_col, lanes, base, a0, a1, neg);
    // A log term counts 2^k bits. A linear term of n = 2^k1 + 2^k2 + ... bits (k1 > k2 > ...)
    // counts the sum of those: the LD select of bit 2^k1 + u is the select of bit u for u < 2^k1
    // (ctz(2^k1 + u + 1) = ctz(u + 1)), so each block of 2^ki bits counts what the first 2^ki do.
    for (uint32_t rest = t->nbits; rest != 0; rest &= rest - 1)
      add_block_16(a0, a1, neg, stream_bits - __builtin_ctz(rest), s0, s1);
  }
  add_partial_sums_16(s0, s1, base, acc);
}

// The same on lanes [base, lanes), fewer than 16, one lane at a time.
inline void accumulate_rest(const Term* first, const Term* last, uint32_t row_first, const uint32_t* acts_by_col,
                            int lanes, int base, int stream_bits, int64_t* acc) {
  int32_t s[16] = {};
  const int n = lanes - base;
  for (const Term* t = first; t != last; ++t) {
    const uint32_t* a = acts_by_col + static_cast<size_t>(t->weight - row_first) * lanes + base;
    const int32_t neg = t->sign < 0 ? -1 : 0;
    for (uint32_t rest = t->nbits; rest != 0; rest &= rest - 1) {
      const int e = stream_bits - __builtin_ctz(rest);
      const uint32_t half = e > 0 ? 1u << (e - 1) : 0u;
      for (int lane = 0; lane < n; ++lane) s[lane] += (static_cast<int32_t>((a[lane] + half) >> e) ^ neg) - neg;
    }
  }
  for (int lane = 0; lane < n; ++lane) acc[base + lane] += s[lane];
}

#ifdef SLQ_HAVE_AVX2_KERNEL
// The AVX2 build of accumulate_16: the same log terms; a linear term gathers its 16 counts from
// the LD table's row (exact by construction) instead of summing one closed form per bit of n.
__attribute__((target("avx2"))) void accumulate_16_avx2(const Term* first, const Term* last, uint32_t row_first,
                                                        const uint32_t* acts_by_col, int lanes, int base,
                                                        int stream_bits, const int32_t* table, int64_t* acc) {
  // Written out rather than through load_16/add_block_16: GCC lowers generic vector code to the
  // instruction set of the function it is written in before inlining, so the helpers would come
  // out as SSE pairs here (measured: 15 % more instructions).
  v8i s0 = {}, s1 = {};
  for (const Term* t = first; t != last; ++t) {
    const uint32_t* a = acts_by_col + static_cast<size_t>(t->weight - row_first) * lanes + base;
    v8u a0, a1;
    std::memcpy(&a0, a, sizeof a0);
    std::memcpy(&a1, a + 8, sizeof a1);
    const v8i neg = v8i{} + (t->sign < 0 ? -1 : 0);
    const uint32_t nbits = t->nbits;
    if ((nbits & (nbits - 1)) == 0) {
      const int e = stream_bits - __builtin_ctz(nbits);
      const v8u half = v8u{} + (e > 0 ? 1u << (e - 1) : 0u);
      s0 += (reinterpret_cast<v8i>((a0 + half) >> e) ^ neg) - neg;
      s1 += (reinterpret_cast<v8i>((a1 + half) >> e) ^ neg) - neg;
    } else {
      const int* row = table + (static_cast<size_t>(nbits) << stream_bits);
      const v8i g0 = reinterpret_cast<v8i>(_mm256_i32gather_epi32(row, reinterpret_cast<__m256i>(a0), 4));
      const v8i g1 = reinterpret_cast<v8i>(_mm256_i32gather_epi32(row, reinterpret_cast<__m256i>(a1), 4));
      s0 += (g0 ^ neg) - neg;
      s1 += (g1 ^ neg) - neg;
    }
  }
  for (int lane = 0; lane < 8; ++lane) {
    acc[base + lane] += s0[lane];
    acc[base + 8 + lane] += s1[lane];
  }
}
#endif
}  // namespace

void SngBank::accumulate_row(const Term* first, const Term* last, uint32_t row_first, const uint32_t* acts_by_col,
                             int lanes, int64_t* acc) const {
  int base = 0;
#ifdef SLQ_HAVE_AVX2_KERNEL
  if (avx2_)
    for (; base + 16 <= lanes; base += 16)
      accumulate_16_avx2(first, last, row_first, acts_by_col, lanes, base, n_, ld_->count32.data(), acc);
#endif
  for (; base + 16 <= lanes; base += 16) accumulate_16(first, last, row_first, acts_by_col, lanes, base, n_, acc);
  if (base < lanes) accumulate_rest(first, last, row_first, acts_by_col, lanes, base, n_, acc);
}

std::vector<RowRun> row_runs(const std::vector<Term>& terms, int cols, int bits_per_cycle) {
  std::vector<RowRun> runs;
  const uint32_t C = static_cast<uint32_t>(cols);
  for (size_t i = 0; i < terms.size();) {
    RowRun run;
    run.begin = i;
    run.row = terms[i].weight / C;
    run.row_first = run.row * C;
    for (; i < terms.size() && terms[i].weight - run.row_first < C; ++i) {
      run.bits += terms[i].nbits;
      run.max_nbits = std::max(run.max_nbits, terms[i].nbits);
      run.cycles += term_cycles(terms[i].nbits, bits_per_cycle);
    }
    run.end = i;
    runs.push_back(run);
  }
  return runs;
}

uint64_t add_row_terms(const Term* terms, const RowRun& run, const uint32_t* acts_by_col, int lanes, int acc_bits,
                       const SngBank& sng, int64_t* acc, int64_t& bound, uint32_t* scratch) {
  const Term* first = terms + run.begin;
  const Term* last = terms + run.end;
  if (sng.has_row_kernel() && run.max_nbits <= sng.max_table_bits() && run.bits < (uint64_t{1} << 31) &&
      bound + static_cast<int64_t>(run.bits) <= (int64_t{1} << (acc_bits - 1)) - 1) {
    sng.accumulate_row(first, last, run.row_first, acts_by_col, lanes, acc);
    bound += static_cast<int64_t>(run.bits);
    return 0;
  }
  uint64_t clipped = 0;
  for (const Term* t = first; t != last; ++t)
    clipped += sng.accumulate(acc, acts_by_col + static_cast<size_t>(t->weight - run.row_first) * lanes, lanes, t->sign,
                              t->nbits, acc_bits, bound, scratch);
  return clipped;
}

PassResult golden_pass(const std::vector<Term>& terms, int rows, int cols, const std::vector<uint32_t>& acts,
                       const ArrayParams& a, const SngBank& sng) {
  return golden_pass(terms, row_runs(terms, cols, a.bits_per_cycle), rows, cols, acts, a, sng);
}

PassResult golden_pass(const std::vector<Term>& terms, const std::vector<RowRun>& runs, int rows, int cols,
                       const std::vector<uint32_t>& acts, const ArrayParams& a, const SngBank& sng) {
  PassResult r;
  r.rows = rows;
  r.lanes = a.lanes;
  const int P = a.lanes;
  const uint32_t act_limit = 1u << a.stream_bits;
  if (acts.size() < static_cast<size_t>(P) * cols) throw std::invalid_argument("golden pass: activations must cover lanes x cols");
  r.acc.assign(static_cast<size_t>(rows) * P, 0);
  // The lanes of one column side by side, so a term reads P neighbouring activations.
  thread_local std::vector<uint32_t> by_col, scratch;  // reused pass after pass
  by_col.resize(static_cast<size_t>(cols) * P);
  scratch.resize(static_cast<size_t>(P));
  uint32_t any_bits = 0;
  for (int lane = 0; lane < P; ++lane)
    for (int col = 0; col < cols; ++col)
      any_bits |= by_col[static_cast<size_t>(col) * P + lane] = acts[static_cast<size_t>(lane) * cols + col];
  if (any_bits >= act_limit) throw std::invalid_argument("golden pass: an activation is not an N-bit value");
  for (const RowRun& run : runs) {
    r.term_cycles += run.cycles;
    int64_t* acc = &r.acc[static_cast<size_t>(run.row) * P];
    int64_t bound = 0;  // a row's counters start at 0, unless its terms came back after another row's
    for (int lane = 0; lane < P; ++lane) bound = std::max<int64_t>(bound, std::abs(acc[lane]));
    r.saturations += add_row_terms(terms.data(), run, by_col.data(), P, a.acc_bits, sng, acc, bound, scratch.data());
  }
  return r;
}

ChecksumPlan checksum_plan(const std::vector<Term>& terms, int rows, int cols, int acc_bits) {
  ChecksumPlan plan;
  plan.rows = rows;
  plan.cols = cols;
  if (rows < 1 || cols < 1) return plan;
  constexpr uint32_t kMaxLength = 4096;
  std::vector<int> slot(kMaxLength + 1, -1);
  std::vector<uint64_t> row_bits(size_t(rows), 0);
  const uint32_t C = uint32_t(cols);
  uint32_t row = 0, row_first = 0;  // a row's terms come together: divide only when the row changes
  for (size_t i = 0; i < terms.size(); ++i) {
    const Term& t = terms[i];
    if (i == 0 || t.weight - row_first >= C) {
      if (i > 0) plan.row_end.push_back(uint32_t(i));
      row = t.weight / C;
      row_first = row * C;
      if (row >= uint32_t(rows)) return plan;
      plan.run_row.push_back(row);
    }
    if (t.nbits > kMaxLength) return plan;
    if (slot[t.nbits] < 0) {
      slot[t.nbits] = int(plan.lengths.size());
      plan.lengths.push_back(t.nbits);
    }
    row_bits[row] += t.nbits;
  }
  if (!terms.empty()) plan.row_end.push_back(uint32_t(terms.size()));
  const uint64_t limit = (uint64_t{1} << (acc_bits - 1)) - 1;
  for (uint64_t b : row_bits)
    if (b > limit) return plan;  // a counter could clip: only the full pass knows
  const size_t D = plan.lengths.size();
  if (size_t(cols) * D * 2 >= terms.size()) return plan;  // the column sums would cost more than half the pass
  plan.index.reserve(terms.size());
  size_t run = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    while (i >= plan.row_end[run]) ++run;
    const Term& t = terms[i];
    const uint32_t col = t.weight - plan.run_row[run] * C;
    plan.index.push_back(uint32_t((col * D + size_t(slot[t.nbits])) * 2 + (t.sign < 0)));
  }
  plan.applicable = true;
  return plan;
}

PassCheck checksum_pass(const ChecksumPlan& plan, const std::vector<uint32_t>& acts, const std::vector<int64_t>& acc,
                        const ArrayParams& a, const SngBank& sng) {
  const int P = a.lanes, rows = plan.rows, cols = plan.cols;
  if (!plan.applicable || acts.size() < size_t(P) * size_t(cols)) return PassCheck::not_applicable;
  if (acc.size() != size_t(rows) * size_t(P)) return PassCheck::differ;
  // r_lane: odd constants, the same for every pass (splitmix64 of the lane).
  auto weight = [](uint64_t lane) {
    uint64_t z = lane * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) | 1u;
  };
  thread_local std::vector<uint64_t> r, sums, expect;
  thread_local std::vector<uint32_t> column, ones;
  r.resize(size_t(P));
  for (int lane = 0; lane < P; ++lane) r[size_t(lane)] = weight(uint64_t(lane));
  column.resize(size_t(P));
  ones.resize(size_t(P));
  const size_t D = plan.lengths.size();
  sums.resize(size_t(cols) * D * 2);  // +sum and -sum side by side: the sign is part of the index
  for (int c = 0; c < cols; ++c) {
    for (int lane = 0; lane < P; ++lane) column[size_t(lane)] = acts[size_t(lane) * size_t(cols) + size_t(c)];
    for (size_t d = 0; d < D; ++d) {
      sng.counts(column.data(), plan.lengths[d], P, ones.data());
      uint64_t s = 0;
      for (int lane = 0; lane < P; ++lane) s += r[size_t(lane)] * ones[size_t(lane)];
      sums[(size_t(c) * D + d) * 2] = s;
      sums[(size_t(c) * D + d) * 2 + 1] = uint64_t(0) - s;
    }
  }
  expect.assign(size_t(rows), 0);
  size_t i = 0;
  for (size_t run = 0; run < plan.row_end.size(); ++run) {
    uint64_t sum = 0;
    for (const size_t end = plan.row_end[run]; i < end; ++i) sum += sums[plan.index[i]];
    expect[plan.run_row[run]] += sum;
  }
  for (int row = 0; row < rows; ++row) {
    uint64_t got = 0;
    for (int lane = 0; lane < P; ++lane) got += r[size_t(lane)] * uint64_t(acc[size_t(row) * P + size_t(lane)]);
    if (got != expect[size_t(row)]) return PassCheck::differ;
  }
  return PassCheck::equal;
}

}  // namespace slq
