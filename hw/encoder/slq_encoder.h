// SlqEncoder (docs/encoder.md): turns Q1.15 fixed-point weights into SLQ code words with one LogQuant
// unit used once per cycle. The datapath is models/slq_encoder_model (bit for bit); this module
// adds the cycle behaviour: one word per cycle, back-pressure from the output FIFO, and no
// process activity while idle (gem5-style: it sleeps on a FIFO event and accounts the cycles).
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

#include <systemc>

#include "models/codec/format.h"
#include "models/quant/slq_encoder_model.h"

namespace slq {

// One code word on its way to the packer; `last` ends its weight (the tag bit, inverted).
struct EncodedWord {
  int code = 0;
  bool last = true;
  bool operator==(const EncodedWord& o) const { return code == o.code && last == o.last; }
  bool operator!=(const EncodedWord& o) const { return !(*this == o); }
};
std::ostream& operator<<(std::ostream& os, const EncodedWord& w);
void sc_trace(sc_core::sc_trace_file* tf, const EncodedWord& w, const std::string& name);

// The encoder's and packer's clock, without an sc_clock: edges at multiples of `period` since
// time 0. The modules act on edges only; an event that wakes them re-arms them for the next edge.
struct EncoderClock {
  sc_core::sc_time period = sc_core::sc_time(1, sc_core::SC_NS);
  uint64_t cycle() const { return sc_core::sc_time_stamp().value() / period.value(); }
  // Delay from now to the next edge (one full period when now is an edge).
  sc_core::sc_time until_next_edge() const {
    return sc_core::sc_time::from_value((cycle() + 1) * period.value()) - sc_core::sc_time_stamp();
  }
};

struct EncoderConfig {
  CodeParams code;  // b, L, theta and the format (tag, special or lq: sets L and Emax)
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  // Throws InputError on parameters the encoder cannot implement.
  void validate(const std::string& where = "encoder") const;
};

SC_MODULE(SlqEncoder) {
  sc_core::sc_fifo_in<int16_t> in;       // Q1.15 weights (x = r / 2^15), one read per weight
  sc_core::sc_fifo_out<EncodedWord> out;  // one word per cycle at most

  SC_HAS_PROCESS(SlqEncoder);
  SlqEncoder(sc_core::sc_module_name name, const EncoderConfig& config);

  // Traces the last emitted word and the residue register (call before sc_start).
  void trace(sc_core::sc_trace_file* tf) const;
  void print(std::ostream& os) const;

  uint64_t cycles_busy() const { return cycles_busy_; }
  uint64_t cycles_stalled() const { return cycles_stalled_; }
  uint64_t cycles_idle() const { return cycles_idle_; }
  uint64_t words() const { return words_; }
  uint64_t weights() const { return weights_; }
  uint64_t last_word_cycle() const { return last_word_cycle_; }

 private:
  enum class Wake { edge, input_written, output_read };
  void tick();
  void sleep_until(Wake reason, const sc_core::sc_event& event);

  EncoderConfig config_;
  LogQuantConfig logquant_;
  EncoderClock clock_;
  Wake waiting_for_ = Wake::edge;
  uint64_t sleep_cycle_ = 0;  // cycle in which the module went to sleep

  // Registers: the residue of the weight in flight and the index of its next word.
  bool weight_in_flight_ = false;
  int32_t residue_ = 0;
  int word_index_ = 1;
  EncodedWord last_word_;

  uint64_t cycles_busy_ = 0;     // cycles that used the LogQuant unit (one word each)
  uint64_t cycles_stalled_ = 0;  // cycles with a word to emit and the output FIFO full
  uint64_t cycles_idle_ = 0;     // cycles with no weight to encode (counted when woken)
  uint64_t words_ = 0;
  uint64_t weights_ = 0;
  uint64_t last_word_cycle_ = 0;
};

}  // namespace slq
