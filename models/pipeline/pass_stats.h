// Statistics of accelerator passes, per block: what reports are made of. Plain C++ so that the
// models-only run and the reports can use them without SystemC.
#pragma once
#include <cstdint>
#include <ostream>

namespace slq {

struct PassStats {
  uint64_t cycles = 0;            // start .. last accumulator handed off, inclusive
  uint64_t busy_cycles = 0;       // array cycles spent on terms
  uint64_t stall_decoder = 0, stall_memory = 0, stall_fifo = 0;
  uint64_t fields = 0, terms = 0, markers = 0, zero_codes = 0, dropped_terms = 0;  // dropped: e > N
  uint64_t memory_reads = 0;
  uint64_t decoder_fifo_full_cycles = 0;  // decoder held back by a full FIFO
  uint64_t saturations = 0;
  uint64_t lane_busy_cycles = 0;  // active lanes x busy cycles
  uint64_t row_handoffs = 0;      // output rows handed to the output stage
  uint64_t stall_cycles() const { return stall_decoder + stall_memory + stall_fifo; }
  PassStats& operator+=(const PassStats& o);
  bool operator==(const PassStats& o) const;
  void print(std::ostream& os, const char* title = "pass") const;  // aligned STATS block
};

}  // namespace slq
