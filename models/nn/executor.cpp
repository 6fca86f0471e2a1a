#include "models/nn/executor.h"

namespace slq {

PassJob pass_job_of(const PassRequest& r) {
  PassJob j;
  j.memory = &r.layer->image.stream.mem;
  j.code = r.layer->image.params;
  j.weight_count = r.layer->image.weight_count;
  j.rows = r.layer->rows;
  j.cols = r.layer->cols;
  j.acts = &r.acts;
  j.active_lanes = r.active_lanes;
  return j;
}

PassOutcome GoldenExecutor::run_one(const PassRequest& r, const ArrayParams& a, const SngBank& sng) {
  const PassResult g = golden_pass(r.layer->terms, r.layer->rows, r.layer->cols, r.acts, a, sng);
  PassOutcome out;
  out.acc = g.acc;
  out.stats.busy_cycles = g.term_cycles;
  out.stats.saturations = g.saturations;
  out.stats.terms = r.layer->terms.size();
  out.stats.lane_busy_cycles = g.term_cycles * static_cast<uint64_t>(r.active_lanes);
  return out;
}

void GoldenExecutor::execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) {
  for (size_t i = 0; i < requests.size(); ++i) {
    outs[i] = run_one(requests[i], array_, sng_);
    const PassJob job = pass_job_of(requests[i]);
    const PassSchedule& s = schedules_.get(*job.memory, job.code, job.weight_count, job.cols, pipe_);
    outs[i].stats = s.stats(outs[i].stats.saturations, job.active_lanes);
  }
}

PassOutcome FastExecutor::run(const PassJob& job) {
  check_job(job, array_.lanes);
  const PassSchedule& s = schedules_.get(*job.memory, job.code, job.weight_count, job.cols, pipe_);
  const PassResult r = golden_pass(s.terms, s.rows, job.rows, job.cols, *job.acts, array_, sng_);
  PassOutcome out;
  out.acc = r.acc;
  out.stats = s.stats(r.saturations, job.active_lanes);
  return out;
}

void FastExecutor::execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) {
  for (size_t i = 0; i < requests.size(); ++i) outs[i] = run(pass_job_of(requests[i]));
}

}  // namespace slq
