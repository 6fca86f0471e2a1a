#include "models/pipeline/pass_stats.h"

#include <iomanip>

namespace slq {

PassStats& PassStats::operator+=(const PassStats& o) {
  cycles += o.cycles;
  busy_cycles += o.busy_cycles;
  stall_decoder += o.stall_decoder;
  stall_memory += o.stall_memory;
  stall_fifo += o.stall_fifo;
  fields += o.fields;
  terms += o.terms;
  markers += o.markers;
  zero_codes += o.zero_codes;
  dropped_terms += o.dropped_terms;
  memory_reads += o.memory_reads;
  decoder_fifo_full_cycles += o.decoder_fifo_full_cycles;
  saturations += o.saturations;
  lane_busy_cycles += o.lane_busy_cycles;
  row_handoffs += o.row_handoffs;
  return *this;
}

bool PassStats::operator==(const PassStats& o) const {
  return cycles == o.cycles && busy_cycles == o.busy_cycles && stall_decoder == o.stall_decoder &&
         stall_memory == o.stall_memory && stall_fifo == o.stall_fifo && fields == o.fields && terms == o.terms &&
         markers == o.markers && zero_codes == o.zero_codes && dropped_terms == o.dropped_terms &&
         memory_reads == o.memory_reads && decoder_fifo_full_cycles == o.decoder_fifo_full_cycles &&
         saturations == o.saturations && lane_busy_cycles == o.lane_busy_cycles && row_handoffs == o.row_handoffs;
}

void PassStats::print(std::ostream& os, const char* title) const {
  auto row = [&](const char* name, uint64_t v) { os << "  " << std::left << std::setw(26) << name << v << "\n"; };
  os << "=== " << title << " STATS ===\n";
  row("cycles", cycles);
  row("busy_cycles", busy_cycles);
  row("stall_cycles.decoder", stall_decoder);
  row("stall_cycles.memory", stall_memory);
  row("stall_cycles.fifo", stall_fifo);
  row("decoder.fields", fields);
  row("decoder.terms", terms);
  row("decoder.markers", markers);
  row("decoder.zero_codes", zero_codes);
  row("decoder.dropped_terms", dropped_terms);
  row("decoder.fifo_full_cycles", decoder_fifo_full_cycles);
  row("memory.reads", memory_reads);
  row("array.saturations", saturations);
  row("array.lane_busy_cycles", lane_busy_cycles);
  row("output.row_handoffs", row_handoffs);
}

}  // namespace slq
