// Term FIFO between decoder and controller (docs/cycles.md, depth 2 by default). sc_fifo already has the
// registered valid/ready behaviour a hardware FIFO has: a term written in cycle c can be read
// from cycle c+1 on, and a slot freed in cycle c can be written from cycle c+1 on
// (num_available() is the consumer's valid, num_free() the producer's ready; num_free() does not
// count a read made earlier in the same cycle, so the producer sees the committed occupancy).
#pragma once
#include <systemc>

#include "hw/pass.h"

namespace slq::hw {

class TermFifo : public sc_core::sc_fifo<TermToken> {
 public:
  TermFifo(const char* name, int depth) : sc_core::sc_fifo<TermToken>(name, depth) {}
};

}  // namespace slq::hw
