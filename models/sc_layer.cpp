#include "models/sc_layer.h"

#include <algorithm>
#include <cstdlib>

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

SngBank::SngBank(const ArrayParams& a) : n_(a.stream_bits) {
  if (a.sng != SngKind::lfsr) {
    if (n_ > 10) return;
    const uint32_t values = 1u << n_;
    ld_table_.resize(static_cast<size_t>(values) * (values + 1));
    for (uint32_t act = 0; act < values; ++act)
      for (uint32_t n = 0; n <= values; ++n) ld_table_[n * values + act] = static_cast<uint16_t>(ld_count(act, n, n_));
    return;
  }
  auto table = std::make_shared<LfsrTable>(a.stream_bits);
  for (int lane = 0; lane < a.lanes; ++lane) {
    seed_.push_back(lfsr_seed(a.seed, lane, a.stream_bits));
    phase_.push_back(table->phase_of(seed_.back()));
  }
  lfsr_ = table;
}

PassResult golden_pass(const std::vector<Term>& terms, int rows, int cols, const std::vector<uint32_t>& acts,
                       const ArrayParams& a, const SngBank& sng) {
  PassResult r;
  r.rows = rows;
  r.lanes = a.lanes;
  const int P = a.lanes;
  r.acc.assign(static_cast<size_t>(rows) * P, 0);
  // The lanes of one column side by side, so a term reads P neighbouring activations.
  std::vector<uint32_t> by_col(static_cast<size_t>(cols) * P);
  for (int lane = 0; lane < P; ++lane)
    for (int col = 0; col < cols; ++col) by_col[static_cast<size_t>(col) * P + lane] = acts[static_cast<size_t>(lane) * cols + col];
  std::vector<uint32_t> ones(P);
  int64_t bound = 0;              // of |acc| in the current row
  uint32_t row = 0, row_first = 0;  // weights [row_first, row_first + cols) are row `row`
  bool in_row = false;
  for (const Term& t : terms) {
    if (!in_row || t.weight < row_first || t.weight - row_first >= static_cast<uint32_t>(cols)) {
      row = t.weight / cols;  // stream order moves row by row: this runs once per row
      row_first = row * cols;
      in_row = true;
      bound = 0;
      for (int lane = 0; lane < P; ++lane) bound = std::max<int64_t>(bound, std::abs(r.acc[size_t(row) * P + lane]));
    }
    r.saturations += sng.accumulate(&r.acc[static_cast<size_t>(row) * P], &by_col[static_cast<size_t>(t.weight - row_first) * P],
                                    P, t.sign, t.nbits, a.acc_bits, bound, ones.data());
    r.term_cycles += term_cycles(t.nbits, a.bits_per_cycle);
  }
  return r;
}

}  // namespace slq
