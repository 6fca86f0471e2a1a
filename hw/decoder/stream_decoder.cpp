#include "hw/decoder/stream_decoder.h"

#include "hw/process_error.h"

namespace slq::hw {

StreamDecoder::StreamDecoder(sc_core::sc_module_name name, PassContext& ctx, WeightMemory& memory, TermFifo& fifo)
    : sc_module(name), ctx_(ctx), memory_(memory), fifo_(fifo) {
  SC_METHOD(tick);
  sensitive << ctx_.start_event;
  dont_initialize();
}

void StreamDecoder::begin_pass() {
  const PassJob& job = ctx_.job;
  core_.emplace(job.code, job.weight_count, job.memory->size(), ctx_.config->fields_per_cycle, "weight memory");
  waiting_for_space_ = false;
  done.write(false);
  status.write(static_cast<uint8_t>(DecoderStatus::idle));
}

void StreamDecoder::tick() {
  if (core_->finished()) return;  // woken by the next pass's start only
  if (waiting_for_space_) {  // woken in the cycle a slot was freed: act from the next cycle on
    waiting_for_space_ = false;
    core_->add_fifo_full_cycles(ctx_.cycle() + 1 - blocked_since_);
    next_trigger(ctx_.period);
    return;
  }
  uint64_t word = 0;
  while (memory_.response.nb_read(word)) core_->receive(word);
  const int free = fifo_.num_free();  // what the FIFO committed by the end of the last cycle
  const DecoderCore::Cycle* step = nullptr;
  try {
    step = &core_->step(free);
  } catch (...) {  // a malformed stream: stop, and let the caller rethrow it (hw/process_error.h)
    record_process_error(std::current_exception());
    return;
  }
  const DecoderCore::Cycle& cycle = *step;
  for (int i = 0; i < cycle.pushed; ++i) fifo_.nb_write(TermToken{core_->emitted()[i]});
  if (cycle.read) memory_.request.nb_write(cycle.read_address);

  status.write(static_cast<uint8_t>(cycle.status));
  if (ctx_.tracing_now()) {
    t_status_ = static_cast<uint8_t>(cycle.status);
    t_done_ = core_->finished();
    t_buffer_bits_ = core_->buffered_bits();
    t_fifo_occupancy_ = ctx_.config->fifo_depth - free;
    t_term_valid_ = cycle.pushed > 0;
    if (cycle.pushed > 0) {
      const Term& term = core_->emitted()[cycle.pushed - 1];
      t_term_sign_ = term.sign;
      t_term_exponent_ = term.exponent;
      t_term_first_ = term.first;
      t_weight_ = term.weight;
    }
  }
  if (core_->finished()) {
    done.write(true);
    return;  // static sensitivity: the next pass's start
  }
  if (cycle.status == DecoderStatus::fifo_full) {  // sleep until the controller takes a term
    waiting_for_space_ = true;
    blocked_since_ = ctx_.cycle();
    next_trigger(fifo_.data_read_event());
    return;
  }
  next_trigger(ctx_.period);
}

void StreamDecoder::trace(sc_core::sc_trace_file* tf) const {
  const std::string p = name();
  // Mirrors written only inside the trace window, so the VCD holds nothing outside it.
  sc_core::sc_trace(tf, t_status_, p + ".status");
  sc_core::sc_trace(tf, t_done_, p + ".done");
  sc_core::sc_trace(tf, t_term_valid_, p + ".term_valid");
  sc_core::sc_trace(tf, t_term_sign_, p + ".term_sign");
  sc_core::sc_trace(tf, t_term_exponent_, p + ".term_exponent");
  sc_core::sc_trace(tf, t_term_first_, p + ".term_first");
  sc_core::sc_trace(tf, t_weight_, p + ".weight_index");
  sc_core::sc_trace(tf, t_buffer_bits_, p + ".buffer_bits");
  sc_core::sc_trace(tf, t_fifo_occupancy_, p + ".fifo_occupancy");
}

}  // namespace slq::hw
