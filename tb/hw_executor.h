// Runs passes on SystemC accelerators from inside a simulation thread, and checks every pass
// against the golden model (the scoreboard): a mismatch stops the run naming layer, image, lane.
#pragma once
#include <exception>
#include <functional>
#include <stdexcept>
#include <vector>

#include <systemc>

#include "hw/accelerator.h"
#include "models/net_runner.h"

namespace slq::tb {

class ScoreboardMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The accelerator's job for a pass request (pointers into the request and its layer).
hw::PassJob pass_job_of(const PassRequest& r);

class HwExecutor : public PassExecutor {
 public:
  // One accelerator per request slot, used in lockstep. Must be called from an SC_THREAD.
  HwExecutor(std::vector<hw::Accelerator*> accels, bool scoreboard = true);
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override;
  uint64_t passes_checked() const { return checked_; }
  // Verification of the scoreboard itself: adds 1 to accumulator `index` of pass `pass` (0-based,
  // counted over execute() calls) before the comparison.
  void inject_fault(uint64_t pass, size_t index) { fault_pass_ = pass, fault_index_ = index; }

 private:
  std::vector<hw::Accelerator*> accels_;
  bool scoreboard_;
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
