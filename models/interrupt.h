// Ctrl-C as long loops see it: the command line's signal handler (tb/app/cli.h) counts SIGINT and
// SIGTERM here, and every loop that can run for more than a second polls interrupted() or calls
// throw_if_interrupted() between steps: calibration (models/nn/qnet.cpp) and the simulation's
// batches with their float reference (tb/app/cmd_run.cpp).
#pragma once
#include <atomic>
#include <stdexcept>

namespace slq {

// The number of interrupts received so far (written from the signal handler: lock-free).
std::atomic<int>& interrupt_counter();
inline bool interrupted() { return interrupt_counter().load() > 0; }

// Thrown by throw_if_interrupted(); the command line turns it into exit code 130.
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};
inline void throw_if_interrupted() {
  if (interrupted()) throw Interrupted();
}

}  // namespace slq
