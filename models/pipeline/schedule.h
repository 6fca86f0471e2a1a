// The whole-pass view of the pipeline (fast mode): the decoder's and the controller's step
// functions (decoder_core.h, controller_core.h) driven over one pass, stepping only on the cycles
// where one of them acts, with a term FIFO and a one-cycle memory in between. It gives the same
// terms, cycles, stalls and counts as the SystemC blocks calling the same functions every cycle.
// A pass's timing depends only on its memory image and the pipeline, not on the activations.
#pragma once
#include <cstdint>
#include <list>
#include <vector>

#include "models/pipeline/pass_stats.h"
#include "models/pipeline/pipeline.h"

namespace slq {

struct PassSchedule {
  std::vector<Term> terms;   // in the order they entered the array (the stream's order)
  std::vector<RowRun> rows;  // terms by output row (models::row_runs)
  // cycles, busy and stall cycles, the decoder's counts, memory reads, FIFO-full cycles (not
  // saturations or lane_busy_cycles: they depend on the activations and the active lanes).
  PassStats timing;
  // A pass's statistics: the timing with the array's saturations and the active lanes' cycles.
  PassStats stats(uint64_t saturations, int active_lanes) const {
    PassStats s = timing;
    s.saturations = saturations;
    s.lane_busy_cycles = s.busy_cycles * static_cast<uint64_t>(active_lanes);
    return s;
  }
};
// Throws StreamError for a malformed image, at the position the SystemC decoder reports.
PassSchedule schedule_pass(const std::vector<uint64_t>& mem, const CodeParams& code, uint64_t weight_count, int cols,
                           const PipelineParams& pipe);

// The schedules of the last few images passes ran on: a layer's image comes back pass after
// pass. Entries are keyed by the image's content (compared word for word), so a changed image
// is never served a stale schedule.
class ScheduleCache {
 public:
  explicit ScheduleCache(size_t capacity = 8) : capacity_(capacity) {}
  const PassSchedule& get(const std::vector<uint64_t>& mem, const CodeParams& code, uint64_t weight_count, int cols,
                          const PipelineParams& pipe);
  uint64_t misses() const { return misses_; }

 private:
  struct Entry {
    std::vector<uint64_t> mem;
    CodeParams code;
    uint64_t weight_count = 0;
    int cols = 0;
    PipelineParams pipe;
    PassSchedule schedule;
  };
  size_t capacity_;
  std::list<Entry> entries_;  // most recently used first
  uint64_t misses_ = 0;
};

}  // namespace slq
