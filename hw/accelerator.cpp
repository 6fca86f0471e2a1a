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
      array_("array", ctx_), output_("output", ctx_), controller_("controller", ctx_, fifo_, decoder_, array_, output_) {}

void Accelerator::start(const PassJob& job) {
  if (job.rows < 0 || job.cols <= 0 || static_cast<uint64_t>(job.rows) * job.cols != job.weight_count)
    throw std::invalid_argument("pass job: rows x cols must equal the weight count");
  if (job.acts->size() < static_cast<size_t>(config_.array.lanes) * job.cols)
    throw std::invalid_argument("pass job: activations must cover lanes x cols");
  if (job.code.field_bits() > job.code.mem_word_bits)
    throw InputError("config", "", "memory word bits W must be at least the field width");
  // A memory word holds W bits and an activation N: anything wider is not hardware (and the
  // closed forms and the whole-pass view assume it cannot happen).
  const int W = job.code.mem_word_bits;
  for (uint64_t word : *job.memory)
    if (W < 64 && (word >> W) != 0) throw std::invalid_argument("pass job: a memory word is wider than W bits");
  // (Activations are checked by MacArray::begin_pass as it transposes them.)
  ctx_.job = job;
  ctx_.start = sc_core::sc_time_stamp();
  ctx_.array_free_at = 0;
  ctx_.last_pop_cycle = UINT64_MAX;
  ctx_.scheduled = config_.mode == SimMode::fast && config_.pass_schedule && !config_.stalls.any() &&
                   !config_.trace.enabled && !controller_.observed();
  memory_.begin_pass();
  decoder_.begin_pass();
  array_.begin_pass(job.rows);
  output_.begin_pass(job.rows);
  controller_.begin_pass();
  ctx_.start_event.notify(sc_core::SC_ZERO_TIME);
}

PassStats Accelerator::stats() const {
  PassStats s = controller_.stats();
  s.saturations = array_.saturations();
  if (ctx_.scheduled) return s;  // the schedule has the decoder's counts too
  const PassStats& d = decoder_.stats();
  s.fields = d.fields;
  s.terms = d.terms;
  s.markers = d.markers;
  s.zero_codes = d.zero_codes;
  s.dropped_terms = d.dropped_terms;
  s.memory_reads = d.memory_reads;
  s.decoder_fifo_full_cycles = d.decoder_fifo_full_cycles;
  return s;
}

void Accelerator::trace(sc_core::sc_trace_file* tf) const {
  decoder_.trace(tf);
  controller_.trace(tf);
  array_.trace(tf);
  output_.trace(tf);
}

}  // namespace slq::hw
