// The golden model of one accelerator pass (docs/arithmetic.md, docs/cycles.md): the terms a weight stream yields and the
// lanes' accumulators after all of them, with no notion of time. hw/ is held to it bit for bit.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/codec/codec.h"
#include "models/sc/sc_arith.h"

namespace slq {

// The MAC array's parameters (docs/arithmetic.md, docs/cycles.md).
struct ArrayParams {
  int lanes = 16;          // P
  int bits_per_cycle = 1;  // B
  int acc_bits = 24;       // A
  int stream_bits = 8;     // N
  SngKind sng = SngKind::ld;
  uint64_t seed = 1;       // LFSR seeds derive from it
  void validate(const std::string& where = "config") const;
};

// A term in the order the decoder emits it.
struct Term {
  uint32_t weight = 0;  // index of its weight in the stream (row-major rows x cols)
  int8_t sign = 1;
  int8_t exponent = 0;  // e of a log term, 0 for linear
  bool first = false;   // first word of its weight
  uint32_t nbits = 0;   // stream bits counted (> 0)
};
// Terms of a decoded stream: zero codes and log terms with e > N yield none.
std::vector<Term> stream_terms(const WeightWords& weights, const CodeParams& p);
// The term (nbits may be 0: no term) of one decoded word.
Term word_term(int32_t value, const CodeParams& p);

// Per-lane stream generators of the array: counts of ones over a term's first nbits bits.
class SngBank {
 public:
  explicit SngBank(const ArrayParams& a);
  uint32_t count(int lane, uint32_t activation, uint32_t nbits) const {
    if (nbits == 0) return 0;  // no bits, no ones (and no ctz(0) below, which is undefined)
    if (lfsr_) return lfsr_->count(activation, nbits, phase_[lane]);
    // A log term counts 2^(N-e) bits: round_half_up(a / 2^e) in closed form.
    if ((nbits & (nbits - 1)) == 0 && nbits <= (1u << n_))
      return static_cast<uint32_t>(round_half_up_shift(activation, n_ - __builtin_ctz(nbits)));
    if (ld_ && nbits <= (1u << n_)) return ld_->count16[(nbits << n_) + activation];
    return ld_count(activation, nbits, n_);
  }
  // count() of lanes 0 .. lanes-1 at once: ones[lane] for acts[lane].
  void counts(const uint32_t* acts, uint32_t nbits, int lanes, uint32_t* ones) const {
    if (nbits == 0) {
      for (int lane = 0; lane < lanes; ++lane) ones[lane] = 0;
      return;
    }
    if (!lfsr_ && (nbits & (nbits - 1)) == 0 && nbits <= (1u << n_)) {
      const int e = n_ - __builtin_ctz(nbits);
      const uint32_t half = e > 0 ? 1u << (e - 1) : 0u;
      for (int lane = 0; lane < lanes; ++lane) ones[lane] = (acts[lane] + half) >> e;
      return;
    }
    if (ld_ && nbits <= (1u << n_)) {  // a linear term: one row of the table
      const uint16_t* row = &ld_->count16[nbits << n_];
      for (int lane = 0; lane < lanes; ++lane) ones[lane] = row[acts[lane]];
      return;
    }
    for (int lane = 0; lane < lanes; ++lane) ones[lane] = count(lane, acts[lane], nbits);
  }
  // One term into lanes 0 .. lanes-1: acc[lane] += sign * count(lane, acts[lane], nbits),
  // saturating at acc_bits, with accumulate_lanes's `bound`; returns the lanes that clipped.
  // `scratch` holds `lanes` counts.
  uint64_t accumulate(int64_t* acc, const uint32_t* acts, int lanes, int sign, uint32_t nbits, int acc_bits,
                      int64_t& bound, uint32_t* scratch) const {
    counts(acts, nbits, lanes, scratch);
    return accumulate_lanes(acc, scratch, lanes, sign, nbits, acc_bits, bound);
  }
  // Terms [first, last) of one output row (weights row_first + column) into acc[0 .. lanes),
  // with no saturation check: the caller knows that no counter can clip (see add_row_terms). LD
  // generators only (has_row_kernel()); acts_by_col[column * lanes + lane].
  void accumulate_row(const Term* first, const Term* last, uint32_t row_first, const uint32_t* acts_by_col,
                      int lanes, int64_t* acc) const;
  bool has_row_kernel() const { return !lfsr_ && ld_; }
  // Runs the row kernel's portable build even on an AVX2 machine (tests hold the two equal).
  void use_portable_kernel() { avx2_ = false; }
  uint32_t max_table_bits() const { return 1u << n_; }
  uint32_t lane_seed(int lane) const { return seed_[lane]; }

 private:
  int n_;
  std::shared_ptr<const LfsrTable> lfsr_;
  std::vector<uint32_t> seed_, phase_;
  // ld_count(a, n) at [n * 2^N + a], n <= 2^N (N <= 10), for linear terms; built once per N.
  struct LdTables {
    std::vector<uint16_t> count16;
    std::vector<int32_t> count32;  // the same, for vector gathers
  };
  static std::shared_ptr<const LdTables> ld_tables(int stream_bits);
  std::shared_ptr<const LdTables> ld_;
  bool avx2_ = false;  // the row kernel's AVX2 version can run here
};

// A run of terms of one output row, terms[begin, end) in stream order (a stream keeps a row's
// terms together), and what the row kernel needs to know of them.
struct RowRun {
  size_t begin = 0, end = 0;
  uint32_t row = 0, row_first = 0;  // row_first = row * cols: the row's first weight index
  uint64_t bits = 0;                // sum of the terms' nbits: the most a counter can move
  uint32_t max_nbits = 0;
  uint64_t cycles = 0;              // array cycles of the terms at B bits per cycle
};
std::vector<RowRun> row_runs(const std::vector<Term>& terms, int cols, int bits_per_cycle);

// One output row's terms into its P counters, saturating (A bits): the row kernel when no counter
// can clip (|acc| <= bound and the run's bits cannot take it past the counter's range), term by
// term otherwise. Returns the lane-terms that clipped and keeps `bound` (accumulate_lanes).
uint64_t add_row_terms(const Term* terms, const RowRun& run, const uint32_t* acts_by_col, int lanes, int acc_bits,
                       const SngBank& sng, int64_t* acc, int64_t& bound, uint32_t* scratch);

// Accumulators after one pass: acc[row * lanes + lane].
struct PassResult {
  int rows = 0, lanes = 0;
  std::vector<int64_t> acc;
  uint64_t saturations = 0;  // lane-terms whose counter clipped at least once
  uint64_t term_cycles = 0;  // array cycles of all terms (busy cycles)
};

// acts[lane * cols + col]: activation of `lane` for column `col`; lanes beyond active_lanes are 0.
PassResult golden_pass(const std::vector<Term>& terms, int rows, int cols, const std::vector<uint32_t>& acts,
                       const ArrayParams& a, const SngBank& sng);
// The same with the terms' row runs given (row_runs(terms, cols, a.bits_per_cycle)).
PassResult golden_pass(const std::vector<Term>& terms, const std::vector<RowRun>& runs, int rows, int cols,
                       const std::vector<uint32_t>& acts, const ArrayParams& a, const SngBank& sng);

// A check of a pass's accumulators that costs less than computing them (the scoreboard's, in
// docs/performance.md): for each row, sum over lanes of r_lane x acc[row][lane] (mod 2^64, fixed
// odd r_lane) against the same sum over the row's terms, made from per-(column, term length)
// sums over lanes of the generators' counts: cols x (distinct lengths) x P counts instead of
// terms x P. One wrong accumulator of a row always shows (r_lane is odd). Not applicable when a
// counter could saturate (a row's terms could move it past the A-bit range) or when the column
// sums would cost more than half the pass.
enum class PassCheck { equal, differ, not_applicable };
// What the check needs of a layer's terms, made once per layer.
struct ChecksumPlan {
  bool applicable = false;
  int rows = 0, cols = 0;
  std::vector<uint32_t> lengths;  // the distinct term lengths (nbits)
  std::vector<uint32_t> index;    // per term: (col x lengths + slot) x 2 + (sign < 0)
  std::vector<uint32_t> row_end;  // per row run: one past its last term, and its row
  std::vector<uint32_t> run_row;
};
ChecksumPlan checksum_plan(const std::vector<Term>& terms, int rows, int cols, int acc_bits);
PassCheck checksum_pass(const ChecksumPlan& plan, const std::vector<uint32_t>& acts, const std::vector<int64_t>& acc,
                        const ArrayParams& a, const SngBank& sng);

}  // namespace slq
