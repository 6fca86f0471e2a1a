#include "tb/scoreboard.h"

#include <sstream>

namespace slq::tb {

void Scoreboard::execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) {
  inner_.execute(requests, outs);
  for (size_t i = 0; i < requests.size(); ++i) {
    if (passes_ == fault_pass_ && fault_index_ < outs[i].acc.size()) ++outs[i].acc[fault_index_];
    check(requests[i], outs[i]);
  }
  ++passes_;
}

const ChecksumPlan& Scoreboard::plan_of(const QuantLayer& layer) {
  const std::vector<Term>& t = layer.terms;
  auto bits = [](const Term& x) {
    return uint64_t(x.weight) << 32 ^ uint64_t(x.nbits) << 8 ^ uint64_t(uint8_t(x.exponent)) << 1 ^ uint64_t(x.sign < 0);
  };
  const auto key = std::make_tuple(t.data(), t.size(), t.empty() ? 0 : bits(t.front()) * 31 + bits(t.back()));
  auto it = plans_.find(key);
  if (it == plans_.end()) {
    if (plans_.size() > 256) plans_.clear();  // bounded: a run has a few dozen layers and groups
    it = plans_.emplace(key, checksum_plan(t, layer.rows, layer.cols, array_.acc_bits)).first;
  }
  return it->second;
}

void Scoreboard::check(const PassRequest& r, const PassOutcome& out) {
  ++checked_;
  const PassCheck quick = checksum_pass(plan_of(*r.layer), r.acts, out.acc, array_, sng_);
  if (quick == PassCheck::equal) {
    ++by_checksum_;
    return;
  }
  // The whole golden pass: where the checksum does not apply, and to name what differs.
  {
    const PassOutcome golden = GoldenExecutor::run_one(r, array_, sng_);
    if (golden.acc == out.acc) {
      if (quick == PassCheck::differ)
        throw ScoreboardMismatch("scoreboard: the checksum of layer " + r.layer->name +
                                 " disagrees with the golden pass, which agrees with the hardware");
      return;
    }
    const int P = array_.lanes;
    for (size_t k = 0; k < golden.acc.size(); ++k) {
      if (k < out.acc.size() && golden.acc[k] == out.acc[k]) continue;
      const int lane = static_cast<int>(k % P), row = static_cast<int>(k / P);
      std::ostringstream msg;
      msg << "scoreboard mismatch in layer " << r.layer->name << ", "
          << (r.first_position < 0 ? "image " + std::to_string(r.first_image + lane)
                                   : "image " + std::to_string(r.first_image) + ", output position " +
                                         std::to_string(r.first_position + lane))
          << ", lane " << lane << ", output channel " << row << ": hardware "
          << (k < out.acc.size() ? std::to_string(out.acc[k]) : std::string("(missing)")) << ", golden "
          << golden.acc[k];
      throw ScoreboardMismatch(msg.str());
    }
    throw ScoreboardMismatch("scoreboard mismatch in layer " + r.layer->name + ": " +
                             std::to_string(out.acc.size()) + " accumulators, golden " +
                             std::to_string(golden.acc.size()));
  }
}

}  // namespace slq::tb
