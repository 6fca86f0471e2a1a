#include "models/interrupt.h"

namespace slq {

std::atomic<int>& interrupt_counter() {
  static std::atomic<int> count{0};
  static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");
  return count;
}

}  // namespace slq
