#include "hw/controller/controller.h"

#include <stdexcept>

namespace slq::hw {

Controller::Controller(sc_core::sc_module_name name, PassContext& ctx, TermFifo& fifo, MacArray& array,
                       OutputStage& output)
    : sc_module(name), ctx_(ctx), fifo_(fifo), array_(array), output_(output) {
  SC_METHOD(tick);
  sensitive << ctx_.start_event;
  dont_initialize();
}

void Controller::begin_pass() { core_.emplace(ctx_.config->array.bits_per_cycle, ctx_.job.cols); }

void Controller::tick() {
  if (core_->finished()) return;
  const uint64_t cycle = ctx_.cycle();
  const bool tracing = ctx_.tracing_now();
  if (core_->busy(cycle)) {  // the current term goes on
    array_.step_cycle();
    const uint64_t remaining = core_->remaining_after(cycle);
    if (remaining == 0) array_.end_term();
    if (tracing) {
      t_down_counter_ = remaining;
      array_.update_trace();
    }
    if (observer_) observe(cycle, true, false, false, StallCause::none);
    next_trigger(ctx_.period);
    return;
  }
  // The array is free this cycle. A testbench stall source may hold the FIFO's output back.
  const bool valid = fifo_.num_available() > 0;
  const bool held = valid && ctx_.stalls != nullptr && ctx_.stalls->hold_fifo_output();
  switch (ControllerCore::decide(valid, held, decoder_done.read())) {
    case ControllerCore::Action::start: {
      TermToken token;
      fifo_.nb_read(token);
      start_term(cycle, token.term);
      if (tracing) {
        t_busy_ = true;
        t_stall_ = 0;
        t_row_ = core_->row();
        t_weight_ = token.term.weight;
        t_down_counter_ = core_->remaining_after(cycle);
        array_.update_trace();
      }
      if (observer_) observe(cycle, true, true, false, StallCause::none);
      next_trigger(ctx_.period);
      return;
    }
    case ControllerCore::Action::finish: {  // nothing left: the last row goes out, the pass ends
      const int64_t row = core_->finish(cycle);
      if (row >= 0) output_.hand_off(static_cast<int>(row), array_.accumulators());
      if (tracing) t_busy_ = false;
      if (observer_) observe(cycle, false, false, true, StallCause::none);
      done_event_.notify(sc_core::SC_ZERO_TIME);
      return;
    }
    case ControllerCore::Action::stall: {
      const StallCause cause = core_->stall(cycle, held, static_cast<DecoderStatus>(decoder_status.read()));
      if (tracing) {
        t_busy_ = false;
        t_stall_ = static_cast<int>(cause);
      }
      if (observer_) observe(cycle, false, false, false, cause);
      next_trigger(ctx_.period);
      return;
    }
  }
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
  o.down_counter = core_->remaining_after(cycle);
  o.lane_acc = array_.accumulators()[static_cast<size_t>(observed_lane_)];
  observer_(o);
}

void Controller::start_term(uint64_t cycle, const Term& term) {
  term_ = term;
  const ControllerCore::Start s = core_->start(cycle, term);
  if (s.new_row) {  // the previous row is complete: hand it off (double-buffered, no cycle lost)
    if (s.previous_row >= 0) output_.hand_off(static_cast<int>(s.previous_row), array_.accumulators());
    array_.clear();
  }
  array_.begin_term(term);
  array_.step_cycle();
  if (s.cycles == 1) array_.end_term();
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
