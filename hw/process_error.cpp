#include "hw/process_error.h"

#include <systemc>

namespace slq::hw {

namespace {
std::exception_ptr& slot() {
  static std::exception_ptr error;
  return error;
}
}  // namespace

void record_process_error(std::exception_ptr error) {
  if (!slot()) slot() = error;
  sc_core::sc_stop();
}

void rethrow_process_error() {
  if (!slot()) return;
  std::exception_ptr error = slot();
  slot() = nullptr;
  std::rethrow_exception(error);
}

}  // namespace slq::hw
