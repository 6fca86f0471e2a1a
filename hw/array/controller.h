// Controller (SPEC 6): takes a term from the FIFO when the array is free, loads the down-counter
// with its array cycles, switches the lanes to the term's weight with no extra cycle, hands an
// output row's accumulators to the output stage when the next row starts, and ends the pass
// once the decoder is done and the FIFO is empty. Every idle array cycle after the fill is a
// stall, named after what the decoder was doing the cycle before. In fast mode without stall
// sources, tracing or an observer it runs a whole pass at once instead (run_scheduled_pass): the
// terms decoded from the image, their timing from models::pass_schedule, time advanced once.
#pragma once
#include <functional>
#include <random>

#include <systemc>

#include "hw/array/mac_array.h"
#include "hw/decoder/stream_decoder.h"
#include "hw/fifo/term_fifo.h"
#include "hw/output/output_stage.h"
#include "models/pass_schedule.h"

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
  Controller(sc_core::sc_module_name name, PassContext& ctx, TermFifo& fifo, StreamDecoder& decoder, MacArray& array,
             OutputStage& output);
  void begin_pass();
  const sc_core::sc_event& done_event() const { return done_event_; }
  const PassStats& stats() const { return stats_; }
  void trace(sc_core::sc_trace_file* tf) const;
  // Calls `observer` once per cycle of every pass with `lane`'s accumulator (per-cycle mode; in
  // fast mode only on the cycles the controller wakes). Costs nothing when unset (null).
  void set_cycle_observer(CycleObserver observer, int lane = 0);
  bool observed() const { return static_cast<bool>(observer_); }

 private:
  void tick();
  void observe(uint64_t cycle, bool busy, bool started, bool done, StallCause stall);
  void start_term(const Term& term);
  void run_scheduled_pass();

  PassContext& ctx_;
  TermFifo& fifo_;
  StreamDecoder& decoder_;
  MacArray& array_;
  OutputStage& output_;
  sc_core::sc_event done_event_;
  std::mt19937_64 pacer_rng_;
  uint64_t remaining_ = 0;  // down-counter: array cycles left in the current term (per-cycle mode)
  int64_t row_ = -1;        // output row in the array
  bool finished_ = true;
  bool done_pending_ = false;  // scheduled pass: the next wake-up is its final cycle
  ScheduleCache schedules_;
  PassStats stats_;
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
