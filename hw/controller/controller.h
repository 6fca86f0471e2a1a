// Controller: the clocked SystemC wrapper of models::ControllerCore (the per-cycle rules live
// there). Each cycle it asks the core what to do from the FIFO's valid and the decoder's
// registered status and done, and carries it out: pops a term and starts it in the MAC array,
// steps the array one cycle, hands a finished row to the output stage, or idles (a stall).
#pragma once
#include <functional>
#include <optional>

#include <systemc>

#include "hw/array/mac_array.h"
#include "hw/fifo/term_fifo.h"
#include "hw/output/output_stage.h"
#include "models/pipeline/controller_core.h"

namespace slq::hw {

// What the array did in one cycle of a pass, for testbench observers (timelines, comparisons).
struct CycleObservation {
  uint64_t cycle = 0;                   // pass cycle
  bool busy = false;                    // the array worked on `term` this cycle
  bool term_started = false;            // `term` entered the array this cycle
  bool done = false;                    // the last row was handed off: the pass's final cycle
  StallCause stall = StallCause::none;  // why the array sat idle (none during the fill)
  Term term;                            // the term in the array (meaningful when busy)
  uint64_t down_counter = 0;            // array cycles left in `term` after this one
  int64_t lane_acc = 0;                 // the observed lane's accumulator after this cycle
};
using CycleObserver = std::function<void(const CycleObservation&)>;

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);
  // The decoder's registered status (a DecoderStatus) and done.
  sc_core::sc_in<uint8_t> decoder_status{"decoder_status"};
  sc_core::sc_in<bool> decoder_done{"decoder_done"};

  Controller(sc_core::sc_module_name name, PassContext& ctx, TermFifo& fifo, MacArray& array, OutputStage& output);
  void begin_pass();
  const sc_core::sc_event& done_event() const { return done_event_; }
  const PassStats& stats() const { return core_->stats(); }
  void trace(sc_core::sc_trace_file* tf) const;
  // Calls `observer` once per cycle of every pass with `lane`'s accumulator. Costs nothing when
  // unset (null).
  void set_cycle_observer(CycleObserver observer, int lane = 0);
  bool observed() const { return static_cast<bool>(observer_); }

 private:
  void tick();
  void observe(uint64_t cycle, bool busy, bool started, bool done, StallCause stall);
  void start_term(uint64_t cycle, const Term& term);

  PassContext& ctx_;
  TermFifo& fifo_;
  MacArray& array_;
  OutputStage& output_;
  sc_core::sc_event done_event_;
  std::optional<ControllerCore> core_;
  Term term_;               // the term in the array
  CycleObserver observer_;
  int observed_lane_ = 0;

  // Trace view (see StreamDecoder): plain values sampled by the VCD writer.
  uint64_t t_down_counter_ = 0;
  bool t_busy_ = false;
  int t_stall_ = 0;
  int64_t t_row_ = 0;
  uint32_t t_weight_ = 0;
};

}  // namespace slq::hw
