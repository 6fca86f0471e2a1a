#include "hw/decoder/stream_decoder.h"

namespace slq::hw {

StreamDecoder::StreamDecoder(sc_core::sc_module_name name, PassContext& ctx, WeightMemory& memory, TermFifo& fifo)
    : sc_module(name), ctx_(ctx), memory_(memory), fifo_(fifo) {
  SC_METHOD(tick);
  sensitive << ctx_.start_event;
  dont_initialize();
}

void StreamDecoder::begin_pass() {
  fields_.emplace(ctx_.job.code, ctx_.job.weight_count, "weight memory");
  buffer_ = 0;
  buffer_bits_ = 0;
  stream_offset_ = 0;
  words_requested_ = 0;
  outstanding_ = false;
  waiting_for_space_ = false;
  finished_ = false;
  stats_ = PassStats{};
  done.write(false);
  status.write(static_cast<uint8_t>(DecoderStatus::idle));
}

void StreamDecoder::tick() {
  if (finished_ || ctx_.scheduled) return;  // woken by the next pass's start only
  if (waiting_for_space_) {  // woken in the cycle a slot was freed: act from the next cycle on
    waiting_for_space_ = false;
    stats_.decoder_fifo_full_cycles += ctx_.cycle() + 1 - blocked_since_;
    next_trigger(ctx_.period);
    return;
  }
  const int W = ctx_.job.code.mem_word_bits;
  uint64_t word = 0;
  while (memory_.response.nb_read(word)) {
    buffer_ = (buffer_ << W) | word;
    buffer_bits_ += W;
    outstanding_ = false;
  }

  DecoderStatus what = DecoderStatus::idle;
  pushed_this_cycle_ = 0;
  for (int slot = 0; slot < ctx_.config->fields_per_cycle && !finished_; ++slot) {
    if (fields_->complete()) {  // the stream may end in any slot; what follows is padding
      finished_ = true;
      break;
    }
    if (!decode_one_field(what)) break;
  }
  if (!finished_ && fields_->complete()) finished_ = true;
  if (finished_) what = pushed_this_cycle_ ? DecoderStatus::produced : DecoderStatus::done;
  request_words();

  status.write(static_cast<uint8_t>(what));
  if (ctx_.tracing_now()) {
    t_status_ = static_cast<uint8_t>(what);
    t_done_ = finished_;
    t_buffer_bits_ = buffer_bits_;
    t_fifo_occupancy_ = fifo_.occupancy();
    if (!pushed_this_cycle_) t_term_valid_ = false;
  }
  if (finished_) {
    done.write(true);
    return;  // static sensitivity: the next pass's start
  }
  if (what == DecoderStatus::fifo_full) {
    const uint64_t now = ctx_.cycle();
    if (ctx_.config->stalls.fifo_probability == 0) {
      // The FIFO is full, so the controller takes a term as soon as the array is free: this
      // cycle if it is free now (or already took one), else when its current term ends. The
      // slot is usable the cycle after; sleep until then (one wake-up instead of two).
      const bool pops_now = ctx_.last_pop_cycle == now || ctx_.array_free_at <= now;
      const uint64_t resume = (pops_now ? now : ctx_.array_free_at) + 1;
      stats_.decoder_fifo_full_cycles += resume - now;
      next_trigger(static_cast<double>(resume - now) * ctx_.period);
      return;
    }
    waiting_for_space_ = true;  // pops may be held back at random: wait for one
    blocked_since_ = now;
    next_trigger(fifo_.data_read_event());
    return;
  }
  next_trigger(ctx_.period);
}

// Decodes one field if it can; returns false when the decoder must stop for this cycle.
bool StreamDecoder::decode_one_field(DecoderStatus& what) {
  const CodeParams& code = ctx_.job.code;
  const int fb = code.field_bits();
  if (buffer_bits_ < fb) {
    const bool more_words = words_requested_ < ctx_.job.memory->size() || outstanding_;
    if (!more_words) {  // the image has no further whole field
      fields_->finish(stream_offset_);
      finished_ = true;
      return false;
    }
    if (what == DecoderStatus::idle) what = DecoderStatus::starved;
    return false;
  }
  // Decode a field only when the FIFO could take a term (the field's meaning is not known yet).
  if (fifo_.num_free() <= 0) {  // counts this cycle's pushes already
    if (what == DecoderStatus::idle) what = DecoderStatus::fifo_full;
    return false;
  }
  const uint64_t raw = static_cast<uint64_t>(buffer_ >> (buffer_bits_ - fb)) & ((uint64_t{1} << fb) - 1);
  const FieldEvent ev = fields_->next(raw, stream_offset_);
  if (ev.kind == FieldEvent::end) {  // special: the peeked field is padding
    finished_ = true;
    return false;
  }
  buffer_bits_ -= fb;
  buffer_ &= (static_cast<unsigned __int128>(1) << buffer_bits_) - 1;
  stream_offset_ += fb;
  ++stats_.fields;
  if (what == DecoderStatus::idle) what = DecoderStatus::no_term;
  if (ev.kind == FieldEvent::marker) {
    ++stats_.markers;
    return true;
  }
  if (ev.kind == FieldEvent::zero) {
    ++stats_.zero_codes;
    return true;
  }
  Term term = word_term(ev.value, code);
  if (term.nbits == 0) {
    ++stats_.dropped_terms;
    return true;
  }
  term.weight = static_cast<uint32_t>(ev.weight);
  term.first = ev.first;
  fifo_.nb_write(TermToken{term});
  ++pushed_this_cycle_;
  ++stats_.terms;
  what = DecoderStatus::produced;
  if (ctx_.tracing_now()) {
    t_term_valid_ = true;
    t_term_sign_ = term.sign;
    t_term_exponent_ = term.exponent;
    t_term_first_ = term.first;
    t_weight_ = term.weight;
  }
  return true;
}

// Keeps the 2W-bit buffer topped up: one read in flight at most, issued when the word fits.
void StreamDecoder::request_words() {
  const int W = ctx_.job.code.mem_word_bits;
  if (finished_ || outstanding_ || words_requested_ >= ctx_.job.memory->size() || buffer_bits_ > W) return;
  memory_.request.nb_write(words_requested_++);
  outstanding_ = true;
  ++stats_.memory_reads;
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
