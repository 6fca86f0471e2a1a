// Testbench driver: runs passes on one or more accelerators in lockstep inside one elaboration.
// For each step the source fills one job per accelerator (or leaves it inactive); all start in
// the same cycle, and the next step begins the cycle after the slowest has handed off.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include <systemc>

#include "hw/accelerator.h"
#include "tb/stall_sources.h"

namespace slq::tb {

struct StepJobs {
  std::vector<PassJob> jobs;  // one per accelerator
  std::vector<bool> active;       // false: that accelerator sits this step out
};

class PassDriver : public sc_core::sc_module {
 public:
  // Fills the next step; returns false when there is none.
  using Source = std::function<bool(StepJobs&)>;
  // Called after each pass with the accelerator's index, accumulators and statistics.
  using Sink = std::function<void(size_t accel, const std::vector<int64_t>& acc, const hw::PassStats& stats)>;

  SC_HAS_PROCESS(PassDriver);
  PassDriver(sc_core::sc_module_name name, std::vector<hw::Accelerator*> accels, Source source, Sink sink);
  uint64_t steps() const { return steps_; }

 private:
  void run();
  std::vector<hw::Accelerator*> accels_;
  Source source_;
  Sink sink_;
  uint64_t steps_ = 0;
};

// Elaborates accelerators for `configs`, runs the driver to the end with sc_start, and returns.
// Only once per process (SystemC 2.3.4). `trace` (may be null) gets the accelerators' signals;
// `stalls[i]`, if given, is accelerator i's random back-pressure.
void run_passes(const std::vector<hw::AccelConfig>& configs, PassDriver::Source source, PassDriver::Sink sink,
                sc_core::sc_trace_file* trace = nullptr, const std::vector<std::string>& names = {},
                const std::vector<StallSources>& stalls = {});

}  // namespace slq::tb
