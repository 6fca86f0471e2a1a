#include "tb/pass_driver.h"

#include "hw/process_error.h"

namespace slq::tb {

PassDriver::PassDriver(sc_core::sc_module_name name, std::vector<hw::Accelerator*> accels, Source source, Sink sink)
    : sc_module(name), accels_(std::move(accels)), source_(std::move(source)), sink_(std::move(sink)) {
  SC_THREAD(run);
}

void PassDriver::run() {
  StepJobs step;
  const sc_core::sc_time period(static_cast<double>(accels_.front()->config().period_ps), sc_core::SC_PS);
  while (true) {
    step.jobs.assign(accels_.size(), PassJob{});
    step.active.assign(accels_.size(), true);
    if (!source_(step)) break;
    sc_core::sc_event_and_list all_done;
    bool any = false;
    for (size_t i = 0; i < accels_.size(); ++i) {
      if (!step.active[i]) continue;
      accels_[i]->start(step.jobs[i]);
      all_done &= accels_[i]->done_event();
      any = true;
    }
    if (any) wait(all_done);
    for (size_t i = 0; i < accels_.size(); ++i)
      if (step.active[i]) sink_(i, accels_[i]->result(), accels_[i]->stats());
    ++steps_;
    // The next pass starts on the next cycle boundary.
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const double cycles_now = now / period;
    wait(period * (static_cast<uint64_t>(cycles_now) + 1) - now);
  }
  sc_core::sc_stop();
}

void run_passes(const std::vector<hw::AccelConfig>& configs, PassDriver::Source source, PassDriver::Sink sink,
                sc_core::sc_trace_file* trace, const std::vector<std::string>& names,
                const std::vector<StallSources>& stalls) {
  std::vector<std::unique_ptr<hw::Accelerator>> accels;
  std::vector<hw::Accelerator*> raw;
  for (size_t i = 0; i < configs.size(); ++i) {
    const std::string name = i < names.size() ? names[i] : "accel" + std::to_string(i);
    accels.push_back(std::make_unique<hw::Accelerator>(name.c_str(), configs[i]));
    raw.push_back(accels.back().get());
    if (trace) accels.back()->trace(trace);
    if (i < stalls.size() && stalls[i].any())  // alive to the end of the process, like the modules
      accels.back()->set_stall_source(new RandomStalls(stalls[i]));
  }
  auto* driver = new PassDriver("driver", raw, std::move(source), std::move(sink));
  sc_core::sc_start();
  hw::rethrow_process_error();  // an input error found inside a block (a malformed stream)
  // The kernel keeps pointers to its modules until the process ends, and a process elaborates
  // only once: the modules stay alive on purpose.
  for (auto& a : accels) a.release();
  (void)driver;
}

}  // namespace slq::tb
