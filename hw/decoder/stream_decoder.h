// Stream decoder (SPEC 4, 6): keeps a 2W-bit buffer filled from the weight memory and turns up
// to fields_per_cycle fields a cycle into terms for the FIFO. A marker, a zero code or a term with
// e > N takes a field slot and emits nothing. The field-level meaning comes from
// models::FieldDecoder, so hardware and software agree on every stream, well-formed or not.
#pragma once
#include <memory>
#include <optional>

#include <systemc>

#include "hw/fifo/term_fifo.h"
#include "hw/memory/weight_memory.h"
#include "hw/pass_context.h"
#include "models/codec.h"

namespace slq::hw {

using slq::DecoderStatus;  // models/pass_schedule.h, shared with the pipeline's twin

class StreamDecoder : public sc_core::sc_module {
 public:
  sc_core::sc_signal<uint8_t, sc_core::SC_MANY_WRITERS> status{"status"};  // DecoderStatus, registered; reset by begin_pass
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> done{"done"};  // all fields of the pass decoded

  SC_HAS_PROCESS(StreamDecoder);
  StreamDecoder(sc_core::sc_module_name name, PassContext& ctx, WeightMemory& memory, TermFifo& fifo);
  void begin_pass();
  const PassStats& stats() const { return stats_; }
  void trace(sc_core::sc_trace_file* tf) const;

 private:
  void tick();
  bool decode_one_field(DecoderStatus& what);
  void request_words();

  PassContext& ctx_;
  WeightMemory& memory_;
  TermFifo& fifo_;
  std::optional<FieldDecoder> fields_;
  unsigned __int128 buffer_ = 0;  // right-aligned bits not yet consumed
  int buffer_bits_ = 0;
  uint64_t stream_offset_ = 0;    // stream bits consumed
  uint64_t words_requested_ = 0;
  bool outstanding_ = false;      // a read is on its way
  bool waiting_for_space_ = false;
  uint64_t blocked_since_ = 0;    // cycle the FIFO was found full
  bool finished_ = false;
  int pushed_this_cycle_ = 0;
  PassStats stats_;

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
