// StreamPacker (docs/formats.md, docs/encoder.md): packs the encoder's code words into W-bit
// weight-memory words in the `tag`, `special` or `lq` format, most significant bit first, exactly
// as pack_stream() does.
//
// Cycle rule: the packer appends ONE field per cycle. In `tag` a field is t + code, so it keeps
// up with the encoder (one word per cycle). In `special` the marker M is a field of its own and
// costs a packer cycle: a weight of k words takes 2k - 1 cycles, and the encoder is held back
// through the FIFO between them. This keeps the packer a one-field shifter (b or b+1 bits wide),
// mirrors the decoder, where a marker occupies a field slot (docs/cycles.md), and makes the price of the
// special code visible on the encoder side too.
//
// A stream is `weights_per_stream` weights long; after its last field the partial memory word is
// zero-padded and written (flush), and the next weight starts a new stream in a new word.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

#include <systemc>

#include "hw/encoder/slq_encoder.h"
#include "models/codec/format.h"

namespace slq {

struct PackerConfig {
  CodeParams code;                  // format (tag, special or lq), b, L, W
  uint64_t weights_per_stream = 1;  // weights between flushes
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  void validate(const std::string& where = "packer") const;
  // Memory words one cycle can complete (a field may span several when W < field bits, and a
  // flush adds the padded word): the output FIFO must hold at least this many.
  int max_words_per_cycle() const;
};

SC_MODULE(StreamPacker) {
  sc_core::sc_fifo_in<EncodedWord> in;  // one word read per cycle at most
  sc_core::sc_fifo_out<uint64_t> out;   // W-bit memory words, right-aligned

  SC_HAS_PROCESS(StreamPacker);
  StreamPacker(sc_core::sc_module_name name, const PackerConfig& config);

  // Notified (delta) when a stream has been flushed.
  const sc_core::sc_event& stream_flushed() const { return stream_flushed_; }
  void print(std::ostream& os) const;

  uint64_t cycles_busy() const { return cycles_busy_; }
  uint64_t cycles_stalled() const { return cycles_stalled_; }
  uint64_t cycles_idle() const { return cycles_idle_; }
  uint64_t marker_cycles() const { return marker_cycles_; }
  uint64_t code_words() const { return code_words_; }
  uint64_t weights() const { return weights_; }
  uint64_t memory_words() const { return memory_words_; }
  uint64_t stream_bits() const { return stream_bits_; }
  uint64_t streams() const { return streams_; }
  uint64_t last_flush_cycle() const { return last_flush_cycle_; }

 private:
  enum class Wake { edge, input_written, output_read };
  void start_of_simulation() override;
  void tick();
  void sleep_until(Wake reason, const sc_core::sc_event& event);
  void check_word(const EncodedWord& w);
  void append(uint64_t field, int width);  // writes every memory word it completes
  void flush();

  PackerConfig config_;
  EncoderClock clock_;
  Wake waiting_for_ = Wake::edge;
  uint64_t sleep_cycle_ = 0;
  sc_core::sc_event stream_flushed_;

  // Registers: the word read but not yet appended, and the memory word being filled.
  bool holding_word_ = false;
  EncodedWord held_;
  bool marker_due_ = false;        // special: M goes out before the held word
  bool at_weight_start_ = true;    // the next word read starts a weight
  int words_in_weight_ = 0;
  uint64_t weights_in_stream_ = 0;
  uint64_t fill_ = 0;              // bits of the current memory word, right-aligned
  int fill_bits_ = 0;

  uint64_t cycles_busy_ = 0;       // cycles that appended a field (code or marker)
  uint64_t cycles_stalled_ = 0;    // cycles with a field ready and the output FIFO too full
  uint64_t cycles_idle_ = 0;       // cycles with no word to pack (counted when woken)
  uint64_t marker_cycles_ = 0;
  uint64_t code_words_ = 0;
  uint64_t weights_ = 0;
  uint64_t memory_words_ = 0;
  uint64_t stream_bits_ = 0;       // field bits appended, padding excluded
  uint64_t streams_ = 0;
  uint64_t last_flush_cycle_ = 0;
};

}  // namespace slq
