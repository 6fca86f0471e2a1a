// Weight memory: one W-bit read per cycle, 1-cycle latency (docs/cycles.md). A request written in cycle c
// is served in a later delta of the same cycle, so its word is in the decoder's hands at c+1.
// A testbench stall source (hw/stall_source.h) may answer a read late, as a busy memory would.
#pragma once
#include <vector>

#include <systemc>

#include "hw/pass_context.h"

namespace slq::hw {

class WeightMemory : public sc_core::sc_module {
 public:
  sc_core::sc_fifo<uint64_t> request;   // word addresses
  sc_core::sc_fifo<uint64_t> response;  // words

  SC_HAS_PROCESS(WeightMemory);
  WeightMemory(sc_core::sc_module_name name, PassContext& ctx);
  void begin_pass();
  uint64_t reads() const { return reads_; }

 private:
  void serve();
  PassContext& ctx_;
  bool pending_ = false;
  uint64_t pending_word_ = 0;
  uint64_t reads_ = 0;
};

}  // namespace slq::hw
