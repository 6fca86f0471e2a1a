// What the blocks of one accelerator are given for a pass, as configuration registers loaded at
// its start: the job, its start time, the clock period and the trace window, and the testbench's
// stall source. Owned by the
// Accelerator top; the blocks exchange nothing through it (they talk through their FIFOs and
// registered signals).
#pragma once
#include <systemc>

#include "hw/accel_config.h"
#include "hw/pass.h"
#include "hw/stall_source.h"

namespace slq::hw {

struct PassContext {
  const AccelConfig* config = nullptr;
  PassJob job;
  sc_core::sc_time start;       // time of cycle 0
  sc_core::sc_time period;
  sc_core::sc_event start_event;
  StallSource* stalls = nullptr;  // testbench back-pressure, if any (set at elaboration)
  uint64_t cycle() const { return static_cast<uint64_t>((sc_core::sc_time_stamp() - start) / period); }
  uint64_t global_cycle() const { return static_cast<uint64_t>(sc_core::sc_time_stamp() / period); }
  bool tracing_now() const {
    if (!config->trace.enabled) return false;
    const uint64_t c = global_cycle();
    return c >= config->trace.window_from && c <= config->trace.window_to;
  }
};

}  // namespace slq::hw
