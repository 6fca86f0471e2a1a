#include "hw/accelerator.h"

#include "models/errors.h"

namespace slq::hw {

namespace {
const AccelConfig& validated(const AccelConfig& c) {
  c.validate();
  return c;
}
}  // namespace

Accelerator::Accelerator(sc_core::sc_module_name name, const AccelConfig& config)
    : sc_module(name), config_(validated(config)),
      ctx_{&config_, {}, sc_core::SC_ZERO_TIME, sc_core::sc_time(static_cast<double>(config.period_ps), sc_core::SC_PS), {}},
      memory_("memory", ctx_), fifo_("fifo", config_.fifo_depth), decoder_("decoder", ctx_, memory_, fifo_),
      array_("array", ctx_), output_("output", ctx_), controller_("controller", ctx_, fifo_, array_, output_) {
  controller_.decoder_status(decoder_.status);
  controller_.decoder_done(decoder_.done);
}

void Accelerator::start(const PassJob& job) {
  check_job(job, config_.array.lanes);  // (activations: MacArray::begin_pass, as it transposes them)
  ctx_.job = job;
  ctx_.start = sc_core::sc_time_stamp();
  memory_.begin_pass();
  decoder_.begin_pass();
  array_.begin_pass(job.rows);
  output_.begin_pass(job.rows);
  controller_.begin_pass();
  ctx_.start_event.notify(sc_core::SC_ZERO_TIME);
}

PassStats Accelerator::stats() const {
  return pass_stats(controller_.stats(), decoder_.stats(), array_.saturations(), ctx_.job.active_lanes);
}

void Accelerator::trace(sc_core::sc_trace_file* tf) const {
  decoder_.trace(tf);
  controller_.trace(tf);
  array_.trace(tf);
  output_.trace(tf);
}

}  // namespace slq::hw
