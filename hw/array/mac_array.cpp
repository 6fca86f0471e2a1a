#include "hw/array/mac_array.h"

#include <memory>

namespace slq::hw {

MacArray::MacArray(sc_core::sc_module_name name, PassContext& ctx)
    : sc_module(name), ctx_(ctx), array_(ctx.config->array), sng_(ctx.config->array) {
  const int P = array_.lanes;
  acc_.assign(P, 0);
  act_.assign(P, 0);
  lfsr_state_.assign(P, 1);
  clipped_.assign(P, 0);
  ones_.assign(P, 0);
  if (ctx_.config->trace.enabled)
    for (int lane : ctx_.config->trace.lanes)
      t_acc_.push_back(std::make_unique<sc_core::sc_signal<int64_t>>(("acc_lane" + std::to_string(lane)).c_str()));
}

void MacArray::begin_pass(int rows) {
  std::fill(acc_.begin(), acc_.end(), 0);
  saturations_ = 0;
}

void MacArray::gather_activations(uint32_t column) {
  const std::vector<uint32_t>& acts = *ctx_.job.acts;
  const size_t cols = static_cast<size_t>(ctx_.job.cols);
  for (int lane = 0; lane < array_.lanes; ++lane) act_[lane] = acts[lane * cols + column];
}

void MacArray::begin_term(const Term& term) {
  term_ = term;
  bit_ = 0;
  gather_activations(term.weight % static_cast<uint32_t>(ctx_.job.cols));
  std::fill(clipped_.begin(), clipped_.end(), 0);
  if (array_.sng == SngKind::lfsr)
    for (int lane = 0; lane < array_.lanes; ++lane) lfsr_state_[lane] = sng_.lane_seed(lane);
}

void MacArray::step_cycle() {
  const int P = array_.lanes, N = array_.stream_bits;
  const uint64_t end = std::min<uint64_t>(bit_ + array_.bits_per_cycle, term_.nbits);
  std::vector<int64_t>& ones = ones_;
  std::fill(ones.begin(), ones.end(), 0);
  if (array_.sng == SngKind::ld) {
    // The shared counter picks one bit of every lane's activation per stream bit (the MUX).
    for (uint64_t t = bit_; t < end; ++t) {
      const int z = __builtin_ctzll(t + 1);
      if (z >= N) continue;
      const int bit = N - 1 - z;
      for (int lane = 0; lane < P; ++lane) ones[lane] += (act_[lane] >> bit) & 1u;
    }
  } else {
    for (uint64_t t = bit_; t < end; ++t)
      for (int lane = 0; lane < P; ++lane) {
        ones[lane] += lfsr_bit(act_[lane], lfsr_state_[lane]);
        lfsr_state_[lane] = lfsr_next(lfsr_state_[lane], N);
      }
  }
  for (int lane = 0; lane < P; ++lane) {
    bool clipped = false;
    acc_[lane] = saturating_add(acc_[lane], term_.sign * ones[lane], array_.acc_bits, &clipped);
    clipped_[lane] |= clipped;
  }
  bit_ = end;
}

void MacArray::end_term() {
  for (uint8_t c : clipped_) saturations_ += c;
}

void MacArray::apply_term(const Term& term) {
  gather_activations(term.weight % static_cast<uint32_t>(ctx_.job.cols));
  for (int lane = 0; lane < array_.lanes; ++lane) {
    bool clipped = false;
    const int64_t ones = sng_.count(lane, act_[lane], term.nbits);
    acc_[lane] = saturating_add(acc_[lane], term.sign * ones, array_.acc_bits, &clipped);
    saturations_ += clipped;
  }
}

void MacArray::clear() { std::fill(acc_.begin(), acc_.end(), 0); }

void MacArray::update_trace() {
  const auto& lanes = ctx_.config->trace.lanes;
  for (size_t i = 0; i < t_acc_.size(); ++i) t_acc_[i]->write(acc_[lanes[i]]);
}

void MacArray::trace(sc_core::sc_trace_file* tf) const {
  const auto& lanes = ctx_.config->trace.lanes;
  for (size_t i = 0; i < t_acc_.size(); ++i)
    sc_core::sc_trace(tf, *t_acc_[i], std::string(name()) + ".acc_lane" + std::to_string(lanes[i]));
}

}  // namespace slq::hw
