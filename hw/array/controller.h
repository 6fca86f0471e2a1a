// Controller (SPEC 6): takes a term from the FIFO when the array is free, loads the down-counter
// with its array cycles, switches the lanes to the term's weight with no extra cycle, hands an
// output row's accumulators to the output stage when the next row starts, and ends the pass
// once the decoder is done and the FIFO is empty. Every idle array cycle after the fill is a
// stall, named after what the decoder was doing the cycle before.
#pragma once
#include <random>

#include <systemc>

#include "hw/array/mac_array.h"
#include "hw/decoder/stream_decoder.h"
#include "hw/fifo/term_fifo.h"
#include "hw/output/output_stage.h"

namespace slq::hw {

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, PassContext& ctx, TermFifo& fifo, StreamDecoder& decoder, MacArray& array,
             OutputStage& output);
  void begin_pass();
  const sc_core::sc_event& done_event() const { return done_event_; }
  const PassStats& stats() const { return stats_; }
  void trace(sc_core::sc_trace_file* tf) const;

 private:
  void tick();
  void start_term(const Term& term);
  void count_stall();

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
  PassStats stats_;

  sc_core::sc_signal<uint64_t> t_down_counter_{"down_counter"};
  sc_core::sc_signal<bool> t_busy_{"busy"};
  sc_core::sc_signal<int> t_stall_{"stall_cause"};
  sc_core::sc_signal<int64_t> t_row_{"row"};
  sc_core::sc_signal<uint32_t> t_weight_{"weight_index"};
};

}  // namespace slq::hw
