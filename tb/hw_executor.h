// The testbench's executors: the SystemC accelerators as a models::PassExecutor (the per-cycle
// view), and the scoreboard, which wraps any executor and checks every pass it runs against the
// golden model: a mismatch stops the run naming layer, image, output position and lane.
#pragma once
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include <systemc>

#include "hw/accelerator.h"
#include "models/executor.h"

namespace slq::tb {

// Runs each request on its own SystemC accelerator, all in lockstep (they start in the same
// cycle; the next step starts the cycle after the slowest hands off). Call execute() from an
// SC_THREAD (run_in_simulation).
class SystemcExecutor : public PassExecutor {
 public:
  explicit SystemcExecutor(std::vector<hw::Accelerator*> accels) : accels_(std::move(accels)) {}
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override;

 private:
  std::vector<hw::Accelerator*> accels_;
};

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

// Runs `body` in an SC_THREAD of a fresh elaboration, then returns; an exception thrown by the
// body stops the simulation and is rethrown here. Once per process (SystemC 2.3.4).
void run_in_simulation(const std::function<void()>& body);

}  // namespace slq::tb
