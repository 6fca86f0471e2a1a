// The accelerator top: weight memory, stream decoder, term FIFO, controller, MAC array and output
// stage wired together (the block diagram is docs/architecture.md; the cycle rules docs/cycles.md).
// start() begins a pass in the current cycle; done_event() fires when its last row is handed off.
#pragma once
#include <systemc>

#include "hw/controller/controller.h"
#include "hw/array/mac_array.h"
#include "hw/decoder/stream_decoder.h"
#include "hw/fifo/term_fifo.h"
#include "hw/memory/weight_memory.h"
#include "hw/output/output_stage.h"
#include "hw/pass_context.h"

namespace slq::hw {

class Accelerator : public sc_core::sc_module {
 public:
  Accelerator(sc_core::sc_module_name name, const AccelConfig& config);
  // Begins a pass now (call from a process at a cycle boundary). The job's vectors must outlive it.
  void start(const PassJob& job);
  const sc_core::sc_event& done_event() const { return controller_.done_event(); }
  // After done_event: acc[row * lanes + lane] and the pass's statistics.
  const std::vector<int64_t>& result() const { return output_.result(); }
  PassStats stats() const;
  // Adds the pipeline's signals to a trace file (before the first sc_start).
  void trace(sc_core::sc_trace_file* tf) const;
  const AccelConfig& config() const { return config_; }
  // Testbench back-pressure (tb/stall_sources.h); null: none. Set before the first pass.
  void set_stall_source(StallSource* stalls) { ctx_.stalls = stalls; }
  // For testbench observers (per-cycle timelines).
  Controller& controller() { return controller_; }

 private:
  AccelConfig config_;
  PassContext ctx_;
  WeightMemory memory_;
  TermFifo fifo_;
  StreamDecoder decoder_;
  MacArray array_;
  OutputStage output_;
  Controller controller_;
};

}  // namespace slq::hw
