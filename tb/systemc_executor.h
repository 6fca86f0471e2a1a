// The SystemC accelerators as a models::PassExecutor: the per-cycle view of --sim-mode.
#pragma once
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include <systemc>

#include "hw/accelerator.h"
#include "models/nn/executor.h"

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

// Runs `body` in an SC_THREAD of a fresh elaboration, then returns; an exception thrown by the
// body stops the simulation and is rethrown here. Once per process (SystemC 2.3.4).
void run_in_simulation(const std::function<void()>& body);

}  // namespace slq::tb
