#include "hw/encoder/packer.h"

#include <algorithm>
#include <cstdlib>
#include <iomanip>

#include "hw/encoder/stats_row.h"
#include "models/errors.h"

namespace slq {

namespace {
uint64_t low_bits(int64_t v, int width) { return static_cast<uint64_t>(v) & ((uint64_t{1} << width) - 1); }
}  // namespace

void PackerConfig::validate(const std::string& where) const {
  code.validate(where);
  if (code.format == Format::linear)
    throw InputError(where, "", "the packer writes the log formats (tag, special, lq), not linear");
  if (weights_per_stream < 1) throw InputError(where, "", "a stream needs at least one weight");
  if (clock_period == sc_core::SC_ZERO_TIME) throw InputError(where, "", "clock period must be positive");
}

int PackerConfig::max_words_per_cycle() const {
  const int W = code.mem_word_bits;
  return (W - 1 + code.field_bits() + W - 1) / W;  // ceil((at most W-1 bits held + one field) / W)
}

StreamPacker::StreamPacker(sc_core::sc_module_name name, const PackerConfig& config)
    : sc_module(name), config_(config) {
  config_.validate(std::string(this->name()));
  clock_.period = config_.clock_period;
  SC_METHOD(tick);  // runs once at time 0 (cycle 0), then only when it re-arms itself
}

void StreamPacker::start_of_simulation() {
  // A cycle that completes more words than the output FIFO can ever hold would wait forever.
  if (out->num_free() < config_.max_words_per_cycle())
    SC_REPORT_ERROR("slq/packer", (std::string(name()) + ": output FIFO must hold at least " +
                                   std::to_string(config_.max_words_per_cycle()) + " memory words").c_str());
}

void StreamPacker::sleep_until(Wake reason, const sc_core::sc_event& event) {
  waiting_for_ = reason;
  sleep_cycle_ = clock_.cycle();
  next_trigger(event);
}

void StreamPacker::check_word(const EncodedWord& w) {
  const CodeParams& p = config_.code;
  std::string why;
  if (w.code > p.emax_positive() || -w.code > p.emax_negative())  // M (but in lq) and out-of-range codes
    why = "code " + std::to_string(w.code) + " cannot be written in " + to_string(p.format);
  else if (words_in_weight_ > p.max_words)
    why = "weight " + std::to_string(weights_) + " has more than L = " + std::to_string(p.max_words) + " words";
  if (!why.empty()) SC_REPORT_ERROR("slq/packer", (std::string(name()) + ": " + why).c_str());
}

void StreamPacker::tick() {
  if (waiting_for_ != Wake::edge) {
    const uint64_t skipped = clock_.cycle() + 1 - sleep_cycle_;
    (waiting_for_ == Wake::output_read ? cycles_stalled_ : cycles_idle_) += skipped;
    waiting_for_ = Wake::edge;
    next_trigger(clock_.until_next_edge());
    return;
  }
  const CodeParams& p = config_.code;
  const bool special = p.format == Format::special;
  if (!holding_word_) {
    if (!in->nb_read(held_)) return sleep_until(Wake::input_written, in->data_written_event());
    holding_word_ = true;
    words_in_weight_ = at_weight_start_ ? 1 : words_in_weight_ + 1;
    marker_due_ = special && !at_weight_start_;
    check_word(held_);
  }

  // This cycle's field: the marker, or the held word (with its tag bit in tag).
  const int b = p.word_bits;
  uint64_t field = 0;
  int width = b;
  if (marker_due_) {
    field = low_bits(p.marker(), b);
  } else if (p.format != Format::tag) {  // special and lq: the code alone
    field = low_bits(held_.code, b);
  } else {
    field = (held_.last ? 0 : uint64_t{1} << b) | low_bits(held_.code, b);
    width = b + 1;
  }
  const bool ends_stream = !marker_due_ && held_.last && weights_in_stream_ + 1 == config_.weights_per_stream;
  const int held_bits = fill_bits_ + width;
  const int W = p.mem_word_bits;
  const int words_out = held_bits / W + (ends_stream && held_bits % W != 0 ? 1 : 0);
  if (out->num_free() < words_out) return sleep_until(Wake::output_read, out->data_read_event());

  append(field, width);
  ++cycles_busy_;
  if (marker_due_) {
    marker_due_ = false;
    ++marker_cycles_;
  } else {
    holding_word_ = false;
    ++code_words_;
    at_weight_start_ = held_.last;
    if (held_.last) {
      ++weights_;
      ++weights_in_stream_;
      if (ends_stream) flush();
    }
  }
  next_trigger(clock_.until_next_edge());
}

void StreamPacker::append(uint64_t field, int width) {
  const int W = config_.code.mem_word_bits;
  stream_bits_ += width;
  while (width > 0) {
    const int take = std::min(width, W - fill_bits_);
    fill_ = (fill_ << take) | ((field >> (width - take)) & ((uint64_t{1} << take) - 1));
    fill_bits_ += take;
    width -= take;
    if (fill_bits_ == W) {
      out->nb_write(fill_);
      ++memory_words_;
      fill_ = 0;
      fill_bits_ = 0;
    }
  }
}

void StreamPacker::flush() {
  if (fill_bits_ > 0) {
    out->nb_write(fill_ << (config_.code.mem_word_bits - fill_bits_));  // zero padding below
    ++memory_words_;
    fill_ = 0;
    fill_bits_ = 0;
  }
  weights_in_stream_ = 0;
  at_weight_start_ = true;
  ++streams_;
  last_flush_cycle_ = clock_.cycle();
  stream_flushed_.notify(sc_core::SC_ZERO_TIME);
}

void StreamPacker::print(std::ostream& os) const {
  const CodeParams& p = config_.code;
  os << "StreamPacker " << name() << "\n  SPECS format=" << to_string(p.format) << " b=" << p.word_bits
     << " L=" << p.max_words << " W=" << p.mem_word_bits << " weights_per_stream=" << config_.weights_per_stream
     << " period=" << config_.clock_period << "\n  STATS\n";
  auto row = [&os](const char* label, uint64_t value, const char* note) { print_stats_row(os, label, value, note); };
  row("cycles_busy", cycles_busy_, "one field appended each");
  row("marker_cycles", marker_cycles_, "of which markers M (special)");
  row("cycles_stalled", cycles_stalled_, "field ready, output FIFO too full");
  row("cycles_idle", cycles_idle_, "no word to pack");
  row("code_words", code_words_, "");
  row("weights", weights_, "");
  row("streams", streams_, "flushed");
  row("stream_bits", stream_bits_, "padding excluded");
  row("memory_words", memory_words_, "W bits each");
}

}  // namespace slq
