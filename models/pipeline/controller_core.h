// The controller's per-cycle behaviour (docs/cycles.md, "Controller"), as a plain class:
// hw::Controller is its clocked SystemC wrapper (which also drives the MAC array and the output
// stage), and the whole-pass view (schedule.h) steps it on the cycles where the array is free.
#pragma once
#include <cstdint>

#include "models/pipeline/pass_stats.h"
#include "models/pipeline/pipeline.h"

namespace slq {

class ControllerCore {
 public:
  ControllerCore(int bits_per_cycle, int cols) : bits_per_cycle_(bits_per_cycle), cols_(static_cast<uint32_t>(cols)) {}

  // The array works on a term in this cycle (its down-counter has not run out).
  bool busy(uint64_t cycle) const { return cycle < free_at_; }
  uint64_t free_at() const { return free_at_; }
  // Array cycles left in the current term after `cycle` (the down-counter's value).
  uint64_t remaining_after(uint64_t cycle) const { return free_at_ > cycle + 1 ? free_at_ - cycle - 1 : 0; }

  enum class Action : uint8_t { start, finish, stall };
  // What the controller does in a cycle in which the array is free, from the FIFO's valid (a
  // term committed by the end of the last cycle), a testbench hold on the FIFO's output, and the
  // decoder's `done` register: take a term if one is valid and not held; else end the pass if
  // the decoder is done; else the array idles.
  static Action decide(bool term_valid, bool held, bool decoder_done) {
    if (term_valid && !held) return Action::start;
    if (!held && decoder_done) return Action::finish;
    return Action::stall;
  }

  struct Start {
    uint64_t cycles = 0;        // array cycles of the term: ceil(nbits / B)
    bool new_row = false;       // the term belongs to another output row than the last one:
    int64_t previous_row = -1;  // hand `previous_row` off (if >= 0) and clear the counters first
  };
  // The term enters the array in `cycle`: the down-counter is loaded and the lanes switch to the
  // term's weight with no extra cycle.
  Start start(uint64_t cycle, const Term& term);
  // The pass's last cycle: returns the row to hand off (-1: none).
  int64_t finish(uint64_t cycle);
  // The array idles in `cycle`: after the fill, a stall named after what held it up: the
  // testbench hold (fifo), else the decoder's status of the previous cycle (starved: memory;
  // anything else: decoder). Counted in stats().
  StallCause stall(uint64_t cycle, bool held, DecoderStatus decoder_status);

  int64_t row() const { return row_; }
  bool finished() const { return finished_; }
  // cycles, busy_cycles, the stalls and the row hand-offs.
  const PassStats& stats() const { return stats_; }

 private:
  int bits_per_cycle_;
  uint32_t cols_;
  uint64_t free_at_ = 0;  // first cycle after the current term
  int64_t row_ = -1;
  bool finished_ = false;
  PassStats stats_;
};

// The statistics of a pass: the controller's, the decoder's counts, the array's saturations, and
// the lane cycles of the active lanes.
PassStats pass_stats(const PassStats& controller, const PassStats& decoder, uint64_t saturations, int active_lanes);

}  // namespace slq
