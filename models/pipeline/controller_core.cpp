#include "models/pipeline/controller_core.h"

namespace slq {

ControllerCore::Start ControllerCore::start(uint64_t cycle, const Term& term) {
  Start s;
  const int64_t row = term.weight / cols_;
  if (row != row_) {  // the previous row is complete (double-buffered output: no cycle lost)
    s.new_row = true;
    s.previous_row = row_;
    if (row_ >= 0) ++stats_.row_handoffs;
    row_ = row;
  }
  s.cycles = term_cycles(term.nbits, bits_per_cycle_);
  free_at_ = cycle + s.cycles;
  stats_.busy_cycles += s.cycles;
  return s;
}

int64_t ControllerCore::finish(uint64_t cycle) {
  stats_.cycles = cycle + 1;
  finished_ = true;
  if (row_ >= 0) ++stats_.row_handoffs;
  return row_;
}

StallCause ControllerCore::stall(uint64_t cycle, bool held, DecoderStatus decoder_status) {
  if (cycle < kFillCycles) return StallCause::none;
  if (held) {
    ++stats_.stall_fifo;
    return StallCause::fifo;
  }
  if (decoder_status == DecoderStatus::starved) {
    ++stats_.stall_memory;
    return StallCause::memory;
  }
  ++stats_.stall_decoder;
  return StallCause::decoder;
}

PassStats pass_stats(const PassStats& controller, const PassStats& decoder, uint64_t saturations, int active_lanes) {
  PassStats s = controller;
  s.fields = decoder.fields;
  s.terms = decoder.terms;
  s.markers = decoder.markers;
  s.zero_codes = decoder.zero_codes;
  s.dropped_terms = decoder.dropped_terms;
  s.memory_reads = decoder.memory_reads;
  s.decoder_fifo_full_cycles = decoder.decoder_fifo_full_cycles;
  s.saturations = saturations;
  s.lane_busy_cycles = s.busy_cycles * static_cast<uint64_t>(active_lanes);
  return s;
}

}  // namespace slq
