// Term FIFO between decoder and controller (SPEC 6, depth 2 by default). sc_fifo already has the
// registered valid/ready behaviour a hardware FIFO has: a term written in cycle c can be read
// from cycle c+1 on, and a slot freed in cycle c can be written from cycle c+1 on
// (num_available() is the consumer's valid, num_free() the producer's ready).
#pragma once
#include <systemc>

#include "hw/pass.h"

namespace slq::hw {

class TermFifo : public sc_core::sc_fifo<TermToken> {
 public:
  TermFifo(const char* name, int depth) : sc_core::sc_fifo<TermToken>(name, depth) {}
  // Occupancy as the blocks see it this cycle (what was committed by the end of the last cycle).
  int occupancy() const { return num_available(); }
};

}  // namespace slq::hw
