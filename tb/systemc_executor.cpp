#include "tb/systemc_executor.h"

#include "hw/process_error.h"

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
  hw::rethrow_process_error();  // an input error found inside a block (a malformed stream)
  if (thread->error) std::rethrow_exception(thread->error);
}

}  // namespace slq::tb
