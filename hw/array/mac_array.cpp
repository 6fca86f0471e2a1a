#include "hw/array/mac_array.h"

namespace slq::hw {

MacArray::MacArray(sc_core::sc_module_name name, PassContext& ctx)
    : sc_module(name), ctx_(ctx), array_(ctx.config->array), sng_(ctx.config->array) {
  const int P = array_.lanes;
  acc_.assign(P, 0);
  act_.assign(P, 0);
  lfsr_state_.assign(P, 1);
  lfsr_ones_.assign(P, 0);
  ones_.assign(P, 0);
  selects_.assign(array_.stream_bits, 0);
  if (ctx_.config->trace.enabled) t_acc_.assign(ctx_.config->trace.lanes.size(), 0);
}

void MacArray::begin_pass(int rows) {
  std::fill(acc_.begin(), acc_.end(), 0);
  acc_bound_ = 0;
  saturations_ = 0;
  // Transposed once per pass: a term then reads its P activations side by side.
  const std::vector<uint32_t>& acts = *ctx_.job.acts;
  const size_t P = static_cast<size_t>(array_.lanes), cols = static_cast<size_t>(ctx_.job.cols);
  acts_by_col_.resize(P * cols);
  uint32_t any_bits = 0;
  for (size_t lane = 0; lane < P; ++lane)
    for (size_t col = 0; col < cols; ++col) any_bits |= acts_by_col_[col * P + lane] = acts[lane * cols + col];
  if (any_bits >> array_.stream_bits) throw std::invalid_argument("pass job: an activation is not an N-bit value");
  term_open_ = false;
  view_bit_ = UINT64_MAX;
}

void MacArray::gather_activations(uint32_t column) {
  const uint32_t* column_acts = &acts_by_col_[static_cast<size_t>(column) * array_.lanes];
  std::copy(column_acts, column_acts + array_.lanes, act_.begin());
}

void MacArray::begin_term(const Term& term) {
  term_ = term;
  bit_ = 0;
  term_open_ = true;
  view_bit_ = UINT64_MAX;
  gather_activations(term.weight % static_cast<uint32_t>(ctx_.job.cols));
  if (array_.sng == SngKind::ld) {
    std::fill(selects_.begin(), selects_.end(), 0);
  } else {
    std::fill(lfsr_ones_.begin(), lfsr_ones_.end(), 0);
    for (int lane = 0; lane < array_.lanes; ++lane) lfsr_state_[lane] = sng_.lane_seed(lane);
  }
}

void MacArray::step_cycle() {
  const uint64_t end = std::min<uint64_t>(bit_ + array_.bits_per_cycle, term_.nbits);
  if (array_.sng == SngKind::ld) {
    // The shared counter t drives every lane's MUX to activation bit N-1-z, z = ctz(t+1);
    // z >= N selects the constant 0.
    const int N = array_.stream_bits;
    for (uint64_t t = bit_; t < end; ++t) {
      const int z = __builtin_ctzll(t + 1);
      if (z < N) ++selects_[z];
    }
  } else {
    const int P = array_.lanes, N = array_.stream_bits;
    for (uint64_t t = bit_; t < end; ++t)
      for (int lane = 0; lane < P; ++lane) {
        lfsr_ones_[lane] += lfsr_bit(act_[lane], lfsr_state_[lane]);
        lfsr_state_[lane] = lfsr_next(lfsr_state_[lane], N);
      }
  }
  bit_ = end;
}

uint32_t MacArray::lane_ones(int lane) const {
  if (array_.sng != SngKind::ld) return lfsr_ones_[lane];
  const int N = array_.stream_bits;
  const uint32_t a = act_[lane];
  uint32_t ones = 0;
  for (int z = 0; z < N; ++z) ones += selects_[z] & (0u - ((a >> (N - 1 - z)) & 1u));
  return ones;
}

int64_t MacArray::lane_value(int lane, bool* clipped) const {
  if (!term_open_) return acc_[lane];
  return saturating_add(acc_[lane], term_.sign * static_cast<int64_t>(lane_ones(lane)), array_.acc_bits, clipped);
}

void MacArray::count_term_ones() {
  const int P = array_.lanes;
  if (array_.sng != SngKind::ld) {
    std::copy(lfsr_ones_.begin(), lfsr_ones_.end(), ones_.begin());
    return;
  }
  // Bit planes: selected bit by selected bit, over all lanes at once (a loop the compiler vectorizes).
  std::fill(ones_.begin(), ones_.end(), 0);
  const int N = array_.stream_bits;
  for (int z = 0; z < N; ++z) {
    const uint32_t n = selects_[z];
    if (n == 0) continue;
    const int bit = N - 1 - z;
    for (int lane = 0; lane < P; ++lane) ones_[lane] += n & (0u - ((act_[lane] >> bit) & 1u));
  }
}

void MacArray::add_ones(int sign, uint32_t max_ones) {
  saturations_ += accumulate_lanes(acc_.data(), ones_.data(), array_.lanes, sign, max_ones, array_.acc_bits, acc_bound_);
}

void MacArray::end_term() {
  count_term_ones();
  add_ones(term_.sign, term_.nbits);
  term_open_ = false;
  view_bit_ = UINT64_MAX;
}

const std::vector<int64_t>& MacArray::accumulators() const {
  if (!term_open_) return acc_;
  if (view_bit_ != bit_) {  // an observer looks into the middle of a term
    view_.resize(acc_.size());
    bool clipped = false;
    for (int lane = 0; lane < array_.lanes; ++lane) view_[lane] = lane_value(lane, &clipped);
    view_bit_ = bit_;
  }
  return view_;
}

void MacArray::clear() {
  std::fill(acc_.begin(), acc_.end(), 0);
  acc_bound_ = 0;
  view_bit_ = UINT64_MAX;
}

void MacArray::update_trace() {
  const auto& lanes = ctx_.config->trace.lanes;
  bool clipped = false;
  for (size_t i = 0; i < t_acc_.size(); ++i) t_acc_[i] = lane_value(lanes[i], &clipped);
}

void MacArray::trace(sc_core::sc_trace_file* tf) const {
  const auto& lanes = ctx_.config->trace.lanes;
  for (size_t i = 0; i < t_acc_.size(); ++i)
    sc_core::sc_trace(tf, t_acc_[i], std::string(name()) + ".acc_lane" + std::to_string(lanes[i]));
}

}  // namespace slq::hw
