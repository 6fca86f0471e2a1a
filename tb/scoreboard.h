// The scoreboard: wraps any executor (models/nn/executor.h) and checks every pass it runs against
// the golden model; a mismatch stops the run naming layer, image, output position and lane.
#pragma once
#include <map>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "models/nn/executor.h"

namespace slq::tb {

class ScoreboardMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Checks every pass of `inner` against the golden model (models::GoldenExecutor: terms from the
// quantizer's words, not from the decoded stream): by the checksum of models/sc/sc_layer.h where
// it applies and costs less, by the whole golden pass otherwise and to name a mismatch.
class Scoreboard : public PassExecutor {
 public:
  Scoreboard(PassExecutor& inner, const ArrayParams& array) : inner_(inner), array_(array), sng_(array) {}
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override;
  uint64_t passes_checked() const { return checked_; }
  // Checks one pass's outcome; throws ScoreboardMismatch naming layer, image, position and lane.
  void check(const PassRequest& r, const PassOutcome& out);
  // Passes checked by the checksum alone (the rest ran the whole golden pass).
  uint64_t passes_by_checksum() const { return by_checksum_; }
  // Verification of the scoreboard itself: adds 1 to accumulator `index` of pass `pass` (0-based,
  // counted over execute() calls) before the comparison.
  void inject_fault(uint64_t pass, size_t index) { fault_pass_ = pass, fault_index_ = index; }

 private:
  PassExecutor& inner_;
  ArrayParams array_;
  SngBank sng_;
  // The checksum plan of each layer's terms, made at its first pass (keyed by where the terms
  // are and their first and last term, so a layer freed and another made in its place is not
  // taken for it).
  const ChecksumPlan& plan_of(const QuantLayer& layer);
  std::map<std::tuple<const Term*, size_t, uint64_t>, ChecksumPlan> plans_;
  uint64_t checked_ = 0;
  uint64_t by_checksum_ = 0;
  uint64_t passes_ = 0;
  uint64_t fault_pass_ = UINT64_MAX;
  size_t fault_index_ = 0;
};

}  // namespace slq::tb
