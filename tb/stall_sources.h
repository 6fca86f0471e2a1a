// Random back-pressure for testing the accelerator: reads answered late and FIFO outputs held
// back at random, with their own seeded generators (one for the memory, one for the FIFO), so a
// run is reproducible. Results never change; cycles and stalls do.
#pragma once
#include <cstdint>
#include <random>
#include <string>

#include "hw/stall_source.h"

namespace slq::tb {

struct StallSources {
  double memory_probability = 0;  // chance a memory read is answered late
  int memory_max_extra_cycles = 3;
  double fifo_probability = 0;    // chance the FIFO's output is held back for a cycle
  uint64_t seed = 1;
  bool any() const { return memory_probability > 0 || fifo_probability > 0; }
  void validate(const std::string& where = "stall sources") const;
};

class RandomStalls : public hw::StallSource {
 public:
  explicit RandomStalls(const StallSources& s);
  int memory_extra_cycles() override;
  bool hold_fifo_output() override;

 private:
  StallSources s_;
  std::mt19937_64 memory_rng_, fifo_rng_;
};

}  // namespace slq::tb
