#include "models/pipeline/decoder_core.h"

#include <algorithm>
#include <stdexcept>

namespace slq {

DecoderCore::DecoderCore(const CodeParams& code, uint64_t weight_count, uint64_t memory_words, int fields_per_cycle,
                         std::string where)
    : code_(code), reader_(code, weight_count, std::move(where)), memory_words_(memory_words),
      fields_per_cycle_(fields_per_cycle), emitted_(static_cast<size_t>(std::max(fields_per_cycle, 1))) {
  // The decoder reads while it holds at most W bits: a field wider than W would starve it forever.
  if (code.field_bits() > code.mem_word_bits)
    throw std::invalid_argument("decoder: a field of " + std::to_string(code.field_bits()) + " bits does not fit W = " +
                                std::to_string(code.mem_word_bits));
  if (fields_per_cycle < 1) throw std::invalid_argument("decoder: fields per cycle must be at least 1");
}

void DecoderCore::receive(uint64_t word) {
  reader_.push_word(word);
  outstanding_ = false;
}

const DecoderCore::Cycle& DecoderCore::step(int fifo_free) {
  cycle_ = Cycle{};
  DecoderStatus what = DecoderStatus::idle;
  for (int slot = 0; slot < fields_per_cycle_ && !finished_; ++slot) {
    if (reader_.complete()) {  // the stream may end in any slot; what follows is padding
      finished_ = true;
      break;
    }
    if (!decode_slot(fifo_free, what)) break;
  }
  if (!finished_ && reader_.complete()) finished_ = true;
  if (finished_) what = cycle_.pushed ? DecoderStatus::produced : DecoderStatus::done;
  cycle_.status = what;
  if (!finished_ && !outstanding_ && words_requested_ < memory_words_ && reader_.buffered_bits() <= code_.mem_word_bits) {
    cycle_.read = true;
    cycle_.read_address = words_requested_++;
    outstanding_ = true;
    ++stats_.memory_reads;
  }
  return cycle_;
}

// Decodes one field if it can; false when the decoder must stop for this cycle.
bool DecoderCore::decode_slot(int fifo_free, DecoderStatus& what) {
  if (!reader_.has_field()) {
    if (words_requested_ >= memory_words_ && !outstanding_) {  // the image has no further whole field
      reader_.finish();
      finished_ = true;
      return false;
    }
    if (what == DecoderStatus::idle) what = DecoderStatus::starved;
    return false;
  }
  if (fifo_free - cycle_.pushed <= 0) {
    if (what == DecoderStatus::idle) what = DecoderStatus::fifo_full;
    return false;
  }
  const FieldEvent ev = reader_.take();
  if (ev.kind == FieldEvent::end) {  // special: the peeked field is padding
    finished_ = true;
    return false;
  }
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
  Term term = word_term(ev.value, code_);
  if (term.nbits == 0) {
    ++stats_.dropped_terms;
    return true;
  }
  term.weight = static_cast<uint32_t>(ev.weight);
  term.first = ev.first;
  emitted_[static_cast<size_t>(cycle_.pushed++)] = term;
  ++stats_.terms;
  what = DecoderStatus::produced;
  return true;
}

}  // namespace slq
