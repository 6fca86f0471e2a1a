// Who executes a pass (a layer's weight stream against P lanes of activations). Three views
// implement one interface, chosen by --sim-mode:
//   - GoldenExecutor (`model`): the golden model, terms straight from the quantizer's words, no
//     time: accumulators, busy cycles, saturations.
//   - FastExecutor (`fast`): the whole-pass view of the pipeline (pipeline/schedule.h) for the
//     terms and every cycle statistic, and the array's closed forms for the accumulators.
//   - tb::SystemcExecutor (`per-cycle`): the SystemC accelerator, cycle by cycle.
// Accumulators, cycles, stalls and every statistic are identical between fast and per-cycle
// (tests/tb/test_equivalence.cpp), and the accumulators are the golden model's.
#pragma once
#include <cstdint>
#include <vector>

#include "models/pipeline/pass_stats.h"
#include "models/pipeline/pipeline.h"
#include "models/pipeline/schedule.h"
#include "models/nn/qnet.h"

namespace slq {

// One pass for one encoding: a layer's stream against P lanes of activations.
struct PassRequest {
  const QuantLayer* layer = nullptr;
  std::vector<uint32_t> acts;  // lanes x cols
  int active_lanes = 0;
  // Where the pass sits, for messages: lanes are images (dense) or output positions (conv).
  size_t first_image = 0;
  int64_t first_position = -1;  // -1 for dense
};
struct PassOutcome {
  std::vector<int64_t> acc;  // rows x lanes
  PassStats stats;
};
// The pipeline's job for a request (pointers into the request and its layer).
PassJob pass_job_of(const PassRequest& r);

class PassExecutor {
 public:
  virtual ~PassExecutor() = default;
  // Runs one pass per encoding (all in the same step); outs is resized by the caller.
  virtual void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) = 0;
};

// The golden model as an executor (no time): busy cycles, terms and saturations only.
// As a view (--sim-mode model) it also counts the pipeline's actions (memory reads, fields,
// row hand-offs, cycles: what the cost model needs) from the pipeline's twin, so every view
// reports the same actions; reports leave the cycles out in this view.
class GoldenExecutor : public PassExecutor {
 public:
  GoldenExecutor(const ArrayParams& array, int fields_per_cycle = 1, int fifo_depth = 2)
      : array_(array), pipe_{fields_per_cycle, fifo_depth, array.bits_per_cycle}, sng_(array) {}
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override;
  // Accumulators, busy cycles, terms and saturations of one pass (what the scoreboard checks).
  static PassOutcome run_one(const PassRequest& r, const ArrayParams& a, const SngBank& sng);

 private:
  ArrayParams array_;
  PipelineParams pipe_;
  SngBank sng_;
  ScheduleCache schedules_;
};

// The whole-pass view: the same terms, cycles and statistics as the SystemC pipeline.
class FastExecutor : public PassExecutor {
 public:
  FastExecutor(const ArrayParams& array, int fields_per_cycle, int fifo_depth)
      : array_(array), pipe_{fields_per_cycle, fifo_depth, array.bits_per_cycle}, sng_(array) {}
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override;
  PassOutcome run(const PassJob& job);
  const ScheduleCache& schedules() const { return schedules_; }

 private:
  ArrayParams array_;
  PipelineParams pipe_;
  SngBank sng_;
  ScheduleCache schedules_;
};

}  // namespace slq
