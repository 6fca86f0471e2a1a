// An exception thrown inside a SystemC process (a malformed weight stream found by the decoder)
// would reach the caller of sc_start as an sc_report, an internal error. Instead the process
// records it here and stops the simulation, and whoever ran the simulation rethrows it with its
// own type (a StreamError stays an input error: exit 2).
#pragma once
#include <exception>

namespace slq::hw {

// Records the current exception (the first one wins) and stops the simulation (sc_stop).
void record_process_error(std::exception_ptr error);
// Rethrows the recorded exception, if any, and forgets it.
void rethrow_process_error();

}  // namespace slq::hw
