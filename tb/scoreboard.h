// The scoreboard: wraps any executor (models/nn/executor.h) and checks every pass it runs against
// the golden model; a mismatch stops the run naming layer, image, output position and lane.
#pragma once
#include <stdexcept>
#include <vector>

#include "models/nn/executor.h"

namespace slq::tb {

class ScoreboardMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Checks every pass of `inner` against the golden model (models::GoldenExecutor: terms from the
// quantizer's words, not from the decoded stream).
class Scoreboard : public PassExecutor {
 public:
  Scoreboard(PassExecutor& inner, const ArrayParams& array) : inner_(inner), array_(array), sng_(array) {}
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override;
  uint64_t passes_checked() const { return checked_; }
  // Verification of the scoreboard itself: adds 1 to accumulator `index` of pass `pass` (0-based,
  // counted over execute() calls) before the comparison.
  void inject_fault(uint64_t pass, size_t index) { fault_pass_ = pass, fault_index_ = index; }

 private:
  PassExecutor& inner_;
  ArrayParams array_;
  SngBank sng_;
  uint64_t checked_ = 0;
  uint64_t passes_ = 0;
  uint64_t fault_pass_ = UINT64_MAX;
  size_t fault_index_ = 0;
};

}  // namespace slq::tb
