// Back-pressure hooks (MatchLib's Pacer): the weight memory may answer a read late and the FIFO's
// output may be held back for a cycle, as a busy memory or a slow consumer would. The blocks ask;
// the testbench decides (tb/stall_sources.h). An accelerator without a stall source never stalls
// for these reasons.
#pragma once

namespace slq::hw {

class StallSource {
 public:
  virtual ~StallSource() = default;
  // Extra cycles before the word of the read issued now is answered (0: the next cycle, as usual).
  virtual int memory_extra_cycles() = 0;
  // Whether the FIFO's output is held back in this cycle (asked only when a term is valid).
  virtual bool hold_fifo_output() = 0;
};

}  // namespace slq::hw
