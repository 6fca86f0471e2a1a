#include "tb/stall_sources.h"

#include "models/errors.h"

namespace slq::tb {

void StallSources::validate(const std::string& where) const {
  if (!(memory_probability >= 0 && memory_probability <= 1 && fifo_probability >= 0 && fifo_probability < 1))
    throw InputError(where, "", "stall probabilities must be in [0, 1) (memory: [0, 1])");
  if (memory_max_extra_cycles < 1) throw InputError(where, "", "memory_max_extra_cycles must be at least 1");
}

RandomStalls::RandomStalls(const StallSources& s) : s_(s), memory_rng_(s.seed * 2 + 1), fifo_rng_(s.seed * 2 + 2) {
  s.validate();
}

int RandomStalls::memory_extra_cycles() {
  if (s_.memory_probability <= 0 || std::uniform_real_distribution<double>(0, 1)(memory_rng_) >= s_.memory_probability)
    return 0;
  return std::uniform_int_distribution<int>(1, s_.memory_max_extra_cycles)(memory_rng_);
}

bool RandomStalls::hold_fifo_output() {
  return s_.fifo_probability > 0 && std::uniform_real_distribution<double>(0, 1)(fifo_rng_) < s_.fifo_probability;
}

}  // namespace slq::tb
