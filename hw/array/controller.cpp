#include "hw/array/controller.h"

#include <stdexcept>

namespace slq::hw {

Controller::Controller(sc_core::sc_module_name name, PassContext& ctx, TermFifo& fifo, StreamDecoder& decoder,
                       MacArray& array, OutputStage& output)
    : sc_module(name), ctx_(ctx), fifo_(fifo), decoder_(decoder), array_(array), output_(output),
      pacer_rng_(ctx.config->stalls.seed * 2 + 2) {
  SC_METHOD(tick);
  sensitive << ctx_.start_event;
  dont_initialize();
}

void Controller::begin_pass() {
  remaining_ = 0;
  row_ = -1;
  finished_ = false;
  done_pending_ = false;
  stats_ = PassStats{};
}

// The whole pass at once: terms decoded from the memory image, the array's closed forms, and the
// timing and statistics of models::pass_schedule; time then jumps to the pass's final cycle.
void Controller::run_scheduled_pass() {
  const PassJob& job = ctx_.job;
  const PipelineParams pipe{ctx_.config->fields_per_cycle, ctx_.config->fifo_depth, ctx_.config->array.bits_per_cycle};
  const ScheduleCache::Entry& schedule = schedules_.get(*job.memory, job.code, job.weight_count, job.cols, pipe);
  for (const RowRun& run : schedule.rows) {  // row by row, as the image's stream orders them
    if (row_ >= 0) output_.hand_off(static_cast<int>(row_), array_.accumulators());
    array_.clear();
    row_ = run.row;
    array_.apply_row(schedule.fields.terms.data(), run);
  }
  if (row_ >= 0) output_.hand_off(static_cast<int>(row_), array_.accumulators());
  stats_ = schedule.timing;
  stats_.lane_busy_cycles = stats_.busy_cycles * static_cast<uint64_t>(job.active_lanes);
  done_pending_ = true;
  next_trigger(static_cast<double>(stats_.cycles - 1) * ctx_.period);
}

void Controller::tick() {
  if (finished_) return;
  if (ctx_.scheduled) {
    if (!done_pending_) return run_scheduled_pass();
    finished_ = true;
    done_event_.notify(sc_core::SC_ZERO_TIME);
    return;
  }
  const uint64_t cycle = ctx_.cycle();
  const bool tracing = ctx_.tracing_now();
  if (remaining_ > 0) {  // per-cycle view: the current term goes on
    array_.step_cycle();
    if (--remaining_ == 0) array_.end_term();
    if (tracing) {
      t_down_counter_ = remaining_;
      array_.update_trace();
    }
    if (observer_) observe(cycle, true, false, false, StallCause::none);
    next_trigger(ctx_.period);
    return;
  }
  // The array is free this cycle.
  const double hold_p = ctx_.config->stalls.fifo_probability;
  const bool held = hold_p > 0 && fifo_.num_available() > 0 &&
                    std::uniform_real_distribution<double>(0, 1)(pacer_rng_) < hold_p;
  TermToken token;
  if (!held && fifo_.nb_read(token)) {
    start_term(token.term);
    if (tracing) {
      t_busy_ = true;
      t_stall_ = 0;
      t_row_ = row_;
      t_weight_ = token.term.weight;
      t_down_counter_ = remaining_;
      array_.update_trace();
    }
    if (observer_) observe(cycle, true, true, false, StallCause::none);
    return;
  }
  if (!held && decoder_.done.read()) {  // nothing left: the last row goes out, the pass ends
    if (row_ >= 0) output_.hand_off(static_cast<int>(row_), array_.accumulators());
    stats_.cycles = cycle + 1;
    finished_ = true;
    if (tracing) t_busy_ = false;
    if (observer_) observe(cycle, false, false, true, StallCause::none);
    done_event_.notify(sc_core::SC_ZERO_TIME);
    return;
  }
  StallCause cause = StallCause::none;
  if (cycle >= kFillCycles) {
    if (held) {
      cause = StallCause::fifo;
      ++stats_.stall_fifo;
    } else if (decoder_.status.read() == static_cast<uint8_t>(DecoderStatus::starved)) {
      cause = StallCause::memory;
      ++stats_.stall_memory;
    } else {
      cause = StallCause::decoder;
      ++stats_.stall_decoder;
    }
  }
  if (tracing) {
    t_busy_ = false;
    t_stall_ = static_cast<int>(cause);
  }
  if (observer_) observe(cycle, false, false, false, cause);
  next_trigger(ctx_.period);
}

void Controller::set_cycle_observer(CycleObserver observer, int lane) {
  if (lane < 0 || lane >= ctx_.config->array.lanes) throw std::invalid_argument("observed lane out of range");
  observer_ = std::move(observer);
  observed_lane_ = lane;
}

void Controller::observe(uint64_t cycle, bool busy, bool started, bool done, StallCause stall) {
  CycleObservation o;
  o.cycle = cycle;
  o.busy = busy;
  o.term_started = started;
  o.done = done;
  o.stall = stall;
  o.term = term_;
  o.down_counter = remaining_;
  o.lane_acc = array_.accumulators()[static_cast<size_t>(observed_lane_)];
  observer_(o);
}

void Controller::start_term(const Term& term) {
  term_ = term;
  const int64_t row = term.weight / static_cast<uint32_t>(ctx_.job.cols);
  if (row != row_) {  // the previous row is complete: hand it off (double-buffered, no cycle lost)
    if (row_ >= 0) output_.hand_off(static_cast<int>(row_), array_.accumulators());
    array_.clear();
    row_ = row;
  }
  const uint64_t cycles = term_cycles(term.nbits, ctx_.config->array.bits_per_cycle);
  ctx_.last_pop_cycle = ctx_.cycle();
  ctx_.array_free_at = ctx_.last_pop_cycle + cycles;
  stats_.busy_cycles += cycles;
  stats_.lane_busy_cycles += cycles * static_cast<uint64_t>(ctx_.job.active_lanes);
  if (ctx_.config->mode == SimMode::fast) {
    array_.apply_term(term);
    next_trigger(static_cast<double>(cycles) * ctx_.period);
    return;
  }
  array_.begin_term(term);
  array_.step_cycle();
  remaining_ = cycles - 1;
  if (remaining_ == 0) array_.end_term();
  next_trigger(ctx_.period);
}

void Controller::trace(sc_core::sc_trace_file* tf) const {
  const std::string p = name();
  sc_core::sc_trace(tf, t_down_counter_, p + ".down_counter");
  sc_core::sc_trace(tf, t_busy_, p + ".busy");
  sc_core::sc_trace(tf, t_stall_, p + ".stall_cause");
  sc_core::sc_trace(tf, t_row_, p + ".row");
  sc_core::sc_trace(tf, t_weight_, p + ".weight_index");
}

}  // namespace slq::hw
