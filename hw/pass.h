// One pass of the accelerator: a weight stream (rows x cols weights, row-major) against P lanes
// of activations, and what it costs. A convolution tile or a fully connected batch is one pass.
#pragma once
#include <cstdint>
#include <ostream>
#include <vector>

#include <systemc>

#include "models/format.h"
#include "models/sc_layer.h"

namespace slq::hw {

struct PassJob {
  const std::vector<uint64_t>* memory = nullptr;  // the layer's memory image (W-bit words)
  CodeParams code;                                // how the image is encoded
  uint64_t weight_count = 0;
  int rows = 0, cols = 0;                         // weight_count = rows * cols
  const std::vector<uint32_t>* acts = nullptr;    // acts[lane * cols + col]
  int active_lanes = 0;                           // lanes carrying real work (for utilization)
};

// Why the array sat idle in a cycle (after the pipeline fill, before the final hand-off).
enum class StallCause : uint8_t { none = 0, decoder = 1, memory = 2, fifo = 3 };

struct PassStats {
  uint64_t cycles = 0;            // start .. last accumulator handed off, inclusive
  uint64_t busy_cycles = 0;       // array cycles spent on terms
  uint64_t stall_decoder = 0, stall_memory = 0, stall_fifo = 0;
  uint64_t fields = 0, terms = 0, markers = 0, zero_codes = 0, dropped_terms = 0;  // dropped: e > N
  uint64_t memory_reads = 0;
  uint64_t decoder_fifo_full_cycles = 0;  // decoder held back by a full FIFO
  uint64_t saturations = 0;
  uint64_t lane_busy_cycles = 0;  // active lanes x busy cycles
  uint64_t stall_cycles() const { return stall_decoder + stall_memory + stall_fifo; }
  PassStats& operator+=(const PassStats& o);
  bool operator==(const PassStats& o) const;
  void print(std::ostream& os, const char* title = "pass") const;  // aligned STATS block
};

// A term on its way from the decoder to the array (a models::Term with a trace overload).
struct TermToken {
  Term term;
  bool operator==(const TermToken& o) const {
    return term.weight == o.term.weight && term.sign == o.term.sign && term.nbits == o.term.nbits;
  }
};
std::ostream& operator<<(std::ostream& os, const TermToken& t);

}  // namespace slq::hw
