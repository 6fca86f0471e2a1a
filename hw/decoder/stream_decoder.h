// Stream decoder: the clocked SystemC wrapper of models::DecoderCore (the per-cycle rules live
// there). Each cycle it hands the core the words the memory returned and the FIFO's free slots,
// pushes the terms the core emits into the FIFO, forwards the core's read request to the memory,
// and registers the core's status and done for the controller. Held by a full FIFO it sleeps
// until the FIFO's next read and acts again the cycle after.
#pragma once
#include <optional>

#include <systemc>

#include "hw/fifo/term_fifo.h"
#include "hw/memory/weight_memory.h"
#include "hw/pass_context.h"
#include "models/pipeline/decoder_core.h"

namespace slq::hw {

class StreamDecoder : public sc_core::sc_module {
 public:
  sc_core::sc_signal<uint8_t, sc_core::SC_MANY_WRITERS> status{"status"};  // DecoderStatus, registered; reset by begin_pass
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> done{"done"};  // all fields of the pass decoded

  SC_HAS_PROCESS(StreamDecoder);
  StreamDecoder(sc_core::sc_module_name name, PassContext& ctx, WeightMemory& memory, TermFifo& fifo);
  void begin_pass();
  const PassStats& stats() const { return core_->stats(); }
  void trace(sc_core::sc_trace_file* tf) const;

 private:
  void tick();

  PassContext& ctx_;
  WeightMemory& memory_;
  TermFifo& fifo_;
  std::optional<DecoderCore> core_;
  bool waiting_for_space_ = false;
  uint64_t blocked_since_ = 0;  // cycle the FIFO was found full

  // Trace view: plain values the VCD writer samples at the end of each time step (no signal, no
  // update phase), written only inside the trace window.
  uint8_t t_status_ = 0;
  bool t_done_ = false;
  bool t_term_valid_ = false;
  int t_term_sign_ = 0;
  int t_term_exponent_ = 0;
  bool t_term_first_ = false;
  uint32_t t_weight_ = 0;
  int t_buffer_bits_ = 0;
  int t_fifo_occupancy_ = 0;
};

}  // namespace slq::hw
