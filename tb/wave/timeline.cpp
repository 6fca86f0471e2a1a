#include "tb/wave/timeline.h"

#include <algorithm>
#include <stdexcept>

#include "tb/scoreboard.h"
#include "tb/systemc_executor.h"

namespace slq::tb {

const char* to_string(CycleState s) {
  switch (s) {
    case CycleState::fill: return "fill";
    case CycleState::busy: return "busy";
    case CycleState::stall: return "stall";
    case CycleState::done: return "done";
  }
  return "?";
}

TimelineRecorder::TimelineRecorder(std::vector<std::string> encodings, std::vector<const std::vector<Term>*> terms,
                                   uint64_t weight_count, int lane, TraceWindow window, std::ostream* csv)
    : terms_(std::move(terms)), weight_count_(weight_count), window_(window), csv_(csv), lanes_(encodings.size()) {
  for (std::string& name : encodings) {
    timelines_.emplace_back();
    timelines_.back().name = std::move(name);
    timelines_.back().weight_cycles.assign(weight_count, 0);
  }
  if (csv_)
    *csv_ << "cycle,encoding,state,term_sign,term_exponent,term_first,weight_index,stall_cause,down_counter,"
             "weights_completed,acc_lane"
          << lane << '\n';
}

hw::CycleObserver TimelineRecorder::observer(size_t encoding) {
  return [this, encoding](const hw::CycleObservation& o) { observe(encoding, o); };
}

void TimelineRecorder::observe(size_t e, const hw::CycleObservation& o) {
  if (any_ && o.cycle != cycle_) flush_cycle();
  cycle_ = o.cycle;
  any_ = true;
  Lane& lane = lanes_[e];
  EncodingTimeline& t = timelines_[e];
  const std::vector<Term>& terms = *terms_[e];
  lane.seen = true;
  lane.last = o;
  if (o.term_started) {
    const size_t k = lane.next_term++;
    if (k >= terms.size() || terms[k].weight != o.term.weight)
      throw std::logic_error("compare: " + t.name + " started a term the golden stream does not have");
    lane.completed = std::max<uint64_t>(lane.completed, o.term.weight);
    t.weight_cycles[o.term.weight] += lane.pending_stalls;  // the array waited for this term
    lane.pending_stalls = 0;
    lane.last_weight = o.term.weight;
  }
  if (o.busy) {
    ++t.busy_cycles;
    ++t.weight_cycles[o.term.weight];
    const size_t k = lane.next_term - 1;
    const bool last_of_weight = k + 1 == terms.size() || terms[k + 1].weight != o.term.weight;
    if (o.down_counter == 0 && last_of_weight) lane.completed = o.term.weight + 1;
  } else if (o.done) {
    t.cycles = o.cycle + 1;
    lane.finished = true;
    lane.completed = weight_count_;
    if (lane.last_weight >= 0) t.weight_cycles[static_cast<size_t>(lane.last_weight)] += lane.pending_stalls;
    lane.pending_stalls = 0;
  } else if (o.stall != hw::StallCause::none) {
    ++t.stall_cycles[static_cast<int>(o.stall)];
    ++lane.pending_stalls;
  } else {
    ++t.fill_cycles;
  }
}

void TimelineRecorder::flush_cycle() {
  for (size_t e = 0; e < lanes_.size(); ++e) {
    const Lane& lane = lanes_[e];
    if (!lane.seen || (!lane.finished && lane.last.cycle != cycle_))
      throw std::logic_error("compare: " + timelines_[e].name + " was not observed in cycle " +
                             std::to_string(cycle_) + " (the comparison needs the per-cycle simulation)");
    CycleState state = CycleState::fill;
    if (lane.finished) state = CycleState::done;
    else if (lane.last.busy) state = CycleState::busy;
    else if (lane.last.stall != hw::StallCause::none) state = CycleState::stall;
    if (csv_ && cycle_ >= window_.from && cycle_ <= window_.to) write_row(e, state);
    if (e > 0 && !timelines_[e].behind_from && lane.completed < lanes_[0].completed) timelines_[e].behind_from = cycle_;
  }
  any_ = false;
}

void TimelineRecorder::write_row(size_t e, CycleState state) {
  const Lane& lane = lanes_[e];
  const hw::CycleObservation& o = lane.last;
  std::ostream& os = *csv_;
  os << cycle_ << ',' << timelines_[e].name << ',' << to_string(state) << ',';
  if (state == CycleState::busy)
    os << int(o.term.sign) << ',' << int(o.term.exponent) << ',' << int(o.term.first) << ',' << o.term.weight;
  else
    os << ",,,";
  os << ',' << to_string(state == CycleState::stall ? o.stall : hw::StallCause::none) << ','
     << (state == CycleState::busy ? o.down_counter : 0) << ',' << lane.completed << ',' << o.lane_acc << '\n';
}

void TimelineRecorder::finish() {
  if (any_) flush_cycle();
}

std::vector<WeightCost> costliest_weights(const EncodingTimeline& e, const EncodingTimeline& reference, size_t n) {
  std::vector<WeightCost> out;
  for (size_t w = 0; w < e.weight_cycles.size(); ++w)
    if (e.weight_cycles[w] > reference.weight_cycles[w]) out.push_back({w, e.weight_cycles[w], reference.weight_cycles[w]});
  const size_t keep = std::min(n, out.size());
  std::partial_sort(out.begin(), out.begin() + keep, out.end(), [](const WeightCost& a, const WeightCost& b) {
    return a.extra() != b.extra() ? a.extra() > b.extra() : a.weight < b.weight;
  });
  out.resize(keep);
  return out;
}

LockstepResult run_lockstep(const std::vector<PassRequest>& requests, const std::vector<std::string>& names,
                            hw::AccelConfig config, const LockstepOptions& options) {
  Tracer tracer(options.vcd, options.window, std::to_string(options.lane), config);
  std::vector<const std::vector<Term>*> terms;
  for (const PassRequest& r : requests) terms.push_back(&r.layer->terms);
  TimelineRecorder recorder(names, terms, requests.front().layer->image.weight_count, options.lane, options.window,
                            options.csv);
  std::vector<hw::Accelerator*> accels;
  for (size_t e = 0; e < requests.size(); ++e) {
    accels.push_back(tracer.make_accelerator(names[e], config));
    accels.back()->controller().set_cycle_observer(recorder.observer(e), options.lane);
  }
  LockstepResult result;
  result.outcomes.resize(requests.size());
  SystemcExecutor accelerators(accels);
  Scoreboard exec(accelerators, config.array);  // every pass is checked against the golden model
  run_in_simulation([&] { exec.execute(requests, result.outcomes); });
  tracer.close();
  recorder.finish();
  result.timelines = recorder.timelines();
  result.vcd_path = tracer.path();
  for (size_t e = 0; e < requests.size(); ++e) {  // the timeline must add up to the pass's statistics
    const PassStats& s = result.outcomes[e].stats;
    const EncodingTimeline& t = result.timelines[e];
    if (t.cycles != s.cycles || t.busy_cycles != s.busy_cycles || t.stall_cycles[1] != s.stall_decoder ||
        t.stall_cycles[2] != s.stall_memory || t.stall_cycles[3] != s.stall_fifo)
      throw std::logic_error("compare: the timeline of " + t.name + " disagrees with the pass statistics");
  }
  return result;
}

}  // namespace slq::tb
