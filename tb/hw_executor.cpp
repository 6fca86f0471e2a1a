#include "tb/hw_executor.h"

#include <sstream>

namespace slq::tb {

void SystemcExecutor::execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) {
  std::vector<PassJob> jobs(requests.size());
  sc_core::sc_event_and_list all_done;
  for (size_t i = 0; i < requests.size(); ++i) {
    jobs[i] = pass_job_of(requests[i]);
    accels_[i]->start(jobs[i]);
    all_done &= accels_[i]->done_event();
  }
  sc_core::wait(all_done);
  for (size_t i = 0; i < requests.size(); ++i) {
    outs[i].acc = accels_[i]->result();
    outs[i].stats = accels_[i]->stats();
  }
  // The next pass starts on the next cycle boundary.
  const sc_core::sc_time period(static_cast<double>(accels_.front()->config().period_ps), sc_core::SC_PS);
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  sc_core::wait(period * (static_cast<uint64_t>(now / period) + 1) - now);
}

void Scoreboard::execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) {
  inner_.execute(requests, outs);
  for (size_t i = 0; i < requests.size(); ++i) {
    if (passes_ == fault_pass_ && fault_index_ < outs[i].acc.size()) ++outs[i].acc[fault_index_];
    const PassRequest& r = requests[i];
    const PassOutcome golden = GoldenExecutor::run_one(r, array_, sng_);
    ++checked_;
    if (golden.acc == outs[i].acc) continue;
    const int P = array_.lanes;
    for (size_t k = 0; k < golden.acc.size(); ++k) {
      if (k < outs[i].acc.size() && golden.acc[k] == outs[i].acc[k]) continue;
      const int lane = static_cast<int>(k % P), row = static_cast<int>(k / P);
      std::ostringstream msg;
      msg << "scoreboard mismatch in layer " << r.layer->name << ", "
          << (r.first_position < 0 ? "image " + std::to_string(r.first_image + lane)
                                   : "image " + std::to_string(r.first_image) + ", output position " +
                                         std::to_string(r.first_position + lane))
          << ", lane " << lane << ", output channel " << row << ": hardware "
          << (k < outs[i].acc.size() ? std::to_string(outs[i].acc[k]) : std::string("(missing)")) << ", golden "
          << golden.acc[k];
      throw ScoreboardMismatch(msg.str());
    }
    throw ScoreboardMismatch("scoreboard mismatch in layer " + r.layer->name + ": " +
                             std::to_string(outs[i].acc.size()) + " accumulators, golden " +
                             std::to_string(golden.acc.size()));
  }
  ++passes_;
}

namespace {

class BodyThread : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(BodyThread);
  BodyThread(sc_core::sc_module_name name, const std::function<void()>& body) : sc_module(name), body_(body) {
    SC_THREAD(run);
  }
  std::exception_ptr error;

 private:
  void run() {
    try {
      body_();
    } catch (...) {
      error = std::current_exception();
    }
    sc_core::sc_stop();
  }
  const std::function<void()>& body_;
};

}  // namespace

void run_in_simulation(const std::function<void()>& body) {
  // Kept alive to the end of the process: the kernel holds on to its modules.
  auto* thread = new BodyThread("testbench", body);
  sc_core::sc_start();
  if (thread->error) std::rethrow_exception(thread->error);
}

}  // namespace slq::tb
