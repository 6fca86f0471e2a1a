// What the blocks of one accelerator share during a pass: the job, its start time, the clock
// period and the trace window. Owned by the Accelerator top.
#pragma once
#include <systemc>

#include "hw/accel_config.h"
#include "hw/pass.h"
#include "models/pass_schedule.h"

namespace slq::hw {

using slq::kFillCycles;  // models/pass_schedule.h: the fill the pipeline's twin counts too

struct PassContext {
  const AccelConfig* config = nullptr;
  PassJob job;
  sc_core::sc_time start;       // time of cycle 0
  sc_core::sc_time period;
  sc_core::sc_event start_event;
  // The pass runs from models::pass_schedule (fast mode, deterministic pipeline, nothing traced):
  // the controller does it all; memory and decoder stay idle.
  bool scheduled = false;
  // Written by the controller: when the array is next free, and the cycle of its last pop. The
  // decoder, held by a full FIFO, resumes the cycle after the next pop without waking for it.
  uint64_t array_free_at = 0;
  uint64_t last_pop_cycle = UINT64_MAX;
  uint64_t cycle() const { return static_cast<uint64_t>((sc_core::sc_time_stamp() - start) / period); }
  uint64_t global_cycle() const { return static_cast<uint64_t>(sc_core::sc_time_stamp() / period); }
  bool tracing_now() const {
    if (!config->trace.enabled) return false;
    const uint64_t c = global_cycle();
    return c >= config->trace.window_from && c <= config->trace.window_to;
  }
};

}  // namespace slq::hw
