// One pass of the accelerator: a weight stream (rows x cols weights, row-major) against P lanes
// of activations, and what it costs. A convolution tile or a fully connected batch is one pass.
#pragma once
#include <cstdint>
#include <ostream>
#include <vector>

#include <systemc>

#include "models/format.h"
#include "models/pass_stats.h"
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

using slq::PassStats;

// A term on its way from the decoder to the array (a models::Term with a trace overload).
struct TermToken {
  Term term;
  bool operator==(const TermToken& o) const {
    return term.weight == o.term.weight && term.sign == o.term.sign && term.nbits == o.term.nbits;
  }
};
std::ostream& operator<<(std::ostream& os, const TermToken& t);

}  // namespace slq::hw
