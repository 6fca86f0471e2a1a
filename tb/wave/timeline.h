// Encodings compared cycle by cycle (slqsim compare): one pass per encoding, each on its own
// accelerator, all started in cycle 0 of one simulation and clocked together. A recorder turns
// the controllers' per-cycle observations into the timeline CSV and the per-encoding summary.
#pragma once
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "hw/accelerator.h"
#include "models/nn/net_runner.h"
#include "tb/wave/tracing.h"

namespace slq::tb {

// What the array of one accelerator did in a cycle. `done`: the pass handed off its last row in
// this cycle or earlier (a finished accelerator stays done while the others go on).
enum class CycleState : uint8_t { fill, busy, stall, done };
const char* to_string(CycleState s);

// One encoding's side of the comparison.
struct EncodingTimeline {
  std::string name;
  uint64_t cycles = 0;                   // start .. last hand-off, as PassStats::cycles
  uint64_t busy_cycles = 0;
  uint64_t fill_cycles = 0;
  uint64_t stall_cycles[4] = {};         // by hw::StallCause (index 0, none, stays 0)
  std::optional<uint64_t> behind_from;   // first cycle with fewer weights completed than the reference
  // Per weight: the array cycles of its terms plus the stall cycles spent waiting for its terms.
  std::vector<uint64_t> weight_cycles;
  uint64_t stalls() const { return stall_cycles[1] + stall_cycles[2] + stall_cycles[3]; }
};

// Collects the observations of E accelerators running in lockstep, one cycle at a time.
// A weight counts as completed once the array has finished its last term (a weight without
// terms, once the array has moved past it); encodings[0] is the reference for `behind_from`.
class TimelineRecorder {
 public:
  // terms[e]: the terms encoding e's stream yields, in order (QuantLayer::terms). csv (may be
  // null) receives a header and one row per cycle inside `window` and encoding.
  TimelineRecorder(std::vector<std::string> encodings, std::vector<const std::vector<Term>*> terms,
                   uint64_t weight_count, int lane, TraceWindow window, std::ostream* csv);
  hw::CycleObserver observer(size_t encoding);
  // Flushes the last cycle; call after the simulation.
  void finish();
  const std::vector<EncodingTimeline>& timelines() const { return timelines_; }

 private:
  struct Lane {  // per-encoding state between cycles
    bool seen = false, finished = false;
    hw::CycleObservation last;
    size_t next_term = 0;
    uint64_t completed = 0;
    uint64_t pending_stalls = 0;  // stall cycles waiting for the next term's weight
    int64_t last_weight = -1;
  };
  void observe(size_t e, const hw::CycleObservation& o);
  void flush_cycle();
  void write_row(size_t e, CycleState state);

  std::vector<EncodingTimeline> timelines_;
  std::vector<const std::vector<Term>*> terms_;
  uint64_t weight_count_;
  TraceWindow window_;
  std::ostream* csv_;
  std::vector<Lane> lanes_;
  uint64_t cycle_ = 0;     // the cycle being collected
  bool any_ = false;       // some observation of cycle_ arrived
};

// Weights that cost `e` more cycles than `reference`, most expensive first (at most n).
struct WeightCost {
  uint64_t weight = 0;
  uint64_t cycles = 0, reference_cycles = 0;
  int64_t extra() const { return static_cast<int64_t>(cycles) - static_cast<int64_t>(reference_cycles); }
};
std::vector<WeightCost> costliest_weights(const EncodingTimeline& e, const EncodingTimeline& reference, size_t n);

struct LockstepOptions {
  std::string vcd;            // "" for no waveform
  TraceWindow window;         // traced and timeline cycles
  int lane = 0;               // lane whose accumulator is traced and in the timeline
  std::ostream* csv = nullptr;
};
struct LockstepResult {
  std::vector<PassOutcome> outcomes;  // per encoding, checked against the golden model
  std::vector<EncodingTimeline> timelines;
  std::string vcd_path;               // as written ("" without a waveform)
};
// Runs requests[e] on an accelerator named names[e] (per-cycle mode), all from cycle 0 of one
// simulation. Elaborates: once per process. Throws ScoreboardMismatch if hardware != golden.
LockstepResult run_lockstep(const std::vector<PassRequest>& requests, const std::vector<std::string>& names,
                            hw::AccelConfig config, const LockstepOptions& options);

}  // namespace slq::tb
