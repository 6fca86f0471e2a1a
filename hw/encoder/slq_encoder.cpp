#include "hw/encoder/slq_encoder.h"

#include <iomanip>

#include "hw/encoder/stats_row.h"
#include "models/errors.h"

namespace slq {

std::ostream& operator<<(std::ostream& os, const EncodedWord& w) {
  return os << w.code << (w.last ? " last" : " more");
}

void sc_trace(sc_core::sc_trace_file* tf, const EncodedWord& w, const std::string& name) {
  sc_core::sc_trace(tf, w.code, name + ".code");
  sc_core::sc_trace(tf, w.last, name + ".last");
}

void EncoderConfig::validate(const std::string& where) const {
  code.validate(where);
  if (code.format == Format::linear) throw InputError(where, "", "the SLQ encoder produces log codes, not linear");
  if (clock_period == sc_core::SC_ZERO_TIME) throw InputError(where, "", "clock period must be positive");
  make_logquant_config(code);  // throws on what the datapath cannot do (linear rounding)
}

SlqEncoder::SlqEncoder(sc_core::sc_module_name name, const EncoderConfig& config)
    : sc_module(name), config_(config) {
  config_.validate(std::string(this->name()));
  logquant_ = make_logquant_config(config_.code);
  clock_.period = config_.clock_period;
  SC_METHOD(tick);  // runs once at time 0 (cycle 0), then only when it re-arms itself
}

void SlqEncoder::sleep_until(Wake reason, const sc_core::sc_event& event) {
  waiting_for_ = reason;
  sleep_cycle_ = clock_.cycle();
  next_trigger(event);
}

void SlqEncoder::tick() {
  if (waiting_for_ != Wake::edge) {
    // Woken by a FIFO event during cycle c: every cycle from the one we slept in through c
    // did no work; act again on the next edge.
    const uint64_t skipped = clock_.cycle() + 1 - sleep_cycle_;
    (waiting_for_ == Wake::output_read ? cycles_stalled_ : cycles_idle_) += skipped;
    waiting_for_ = Wake::edge;
    next_trigger(clock_.until_next_edge());
    return;
  }
  if (!weight_in_flight_) {
    int16_t value = 0;
    if (!in->nb_read(value)) return sleep_until(Wake::input_written, in->data_written_event());
    residue_ = value;
    word_index_ = 1;
    weight_in_flight_ = true;
  }
  // A read in this cycle does not free space until the FIFO's update, so a full FIFO stalls
  // for at least one cycle whatever the order of the processes.
  if (out->num_free() == 0) return sleep_until(Wake::output_read, out->data_read_event());

  const LogQuantStep step = logquant_unit(residue_, word_index_, logquant_);
  last_word_ = EncodedWord{step.code, step.stop};
  out->nb_write(last_word_);
  ++cycles_busy_;
  ++words_;
  last_word_cycle_ = clock_.cycle();
  if (step.stop) {
    weight_in_flight_ = false;
    ++weights_;
  } else {
    residue_ = step.residue_after;
    ++word_index_;
  }
  next_trigger(clock_.until_next_edge());
}

void SlqEncoder::trace(sc_core::sc_trace_file* tf) const {
  const std::string prefix = name();
  sc_trace(tf, last_word_, prefix + ".word");
  sc_core::sc_trace(tf, residue_, prefix + ".residue");
}

void SlqEncoder::print(std::ostream& os) const {
  const CodeParams& p = config_.code;
  os << "SlqEncoder " << name() << "\n  SPECS format=" << to_string(p.format) << " b=" << p.word_bits
     << " L=" << logquant_.words_limit << " theta=" << p.theta << " (|r| <= " << logquant_.theta_fixed
     << " in Q1.15) period=" << config_.clock_period << "\n  STATS\n";
  auto row = [&os](const char* label, uint64_t value, const char* note) { print_stats_row(os, label, value, note); };
  row("cycles_busy", cycles_busy_, "one LogQuant step each");
  row("cycles_stalled", cycles_stalled_, "word ready, output FIFO full");
  row("cycles_idle", cycles_idle_, "no weight to encode");
  row("words", words_, "");
  row("weights", weights_, "");
  os << "    " << std::left << std::setw(16) << "words_per_weight" << std::right << std::setw(12) << std::fixed
     << std::setprecision(4) << (weights_ ? static_cast<double>(words_) / weights_ : 0.0) << std::defaultfloat
     << "\n";
}

}  // namespace slq
