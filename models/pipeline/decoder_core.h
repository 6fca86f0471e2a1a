// The stream decoder's per-cycle behaviour (docs/cycles.md, "Stream decoder"), as a plain class:
// hw::StreamDecoder is its clocked SystemC wrapper, and the whole-pass view (schedule.h) steps
// it on the cycles where the decoder acts. Nothing here knows about time or SystemC: each call to
// step() is one clock cycle in which the decoder is awake.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/pipeline/pass_stats.h"
#include "models/pipeline/field_reader.h"
#include "models/pipeline/pipeline.h"

namespace slq {

class DecoderCore {
 public:
  // A pass over an image of `memory_words` words holding `weight_count` weights.
  DecoderCore(const CodeParams& code, uint64_t weight_count, uint64_t memory_words, int fields_per_cycle,
              std::string where = "weight memory");

  // A memory word requested earlier has arrived (the word at the requested address).
  void receive(uint64_t word);

  struct Cycle {
    DecoderStatus status = DecoderStatus::idle;  // what the controller will see next cycle
    int pushed = 0;                              // terms for the FIFO: emitted()[0, pushed)
    bool read = false;                           // a memory read is issued this cycle ...
    uint64_t read_address = 0;                   // ... of this word
  };
  // One cycle with `fifo_free` FIFO slots as the cycle begins (what the FIFO committed by the end
  // of the last cycle). The rules, in order, for each of the F slots:
  //   - the stream is complete: the decoder is finished (what follows is padding);
  //   - no whole field is buffered: if the image has no further word, the stream ends here
  //     (FieldReader::finish checks that it may); else the slot starves;
  //   - the FIFO has no room for a term (counting this cycle's pushes): the slot waits, since a
  //     field's meaning is not known before it is decoded;
  //   - special's peek finds padding after the last weight: finished, the field not consumed;
  //   - else the field is decoded: a term goes to the FIFO; a marker, a zero code or a log term
  //     with e > N takes the slot and emits nothing.
  // The cycle's status is the first slot's outcome (starved, fifo_full or no_term), raised to
  // `produced` by any term, and `done` when the decoder finished without a term this cycle.
  // Then one memory read is issued if none is in flight, the image has words left and the
  // buffer holds at most W bits (so the 2W-bit buffer never overflows).
  // Throws StreamError for a malformed stream.
  const Cycle& step(int fifo_free);
  const Term* emitted() const { return emitted_.data(); }
  bool finished() const { return finished_; }
  // Cycles the decoder spent held by a full FIFO (the caller knows when it resumes).
  void add_fifo_full_cycles(uint64_t cycles) { stats_.decoder_fifo_full_cycles += cycles; }
  int buffered_bits() const { return reader_.buffered_bits(); }
  // fields, terms, markers, zero_codes, dropped_terms, memory_reads, decoder_fifo_full_cycles.
  const PassStats& stats() const { return stats_; }

 private:
  bool decode_slot(int fifo_free, DecoderStatus& what);

  CodeParams code_;
  FieldReader reader_;
  uint64_t memory_words_;
  int fields_per_cycle_;
  uint64_t words_requested_ = 0;
  bool outstanding_ = false;  // a read is on its way
  bool finished_ = false;
  Cycle cycle_;
  std::vector<Term> emitted_;  // fields_per_cycle entries
  PassStats stats_;
};

}  // namespace slq
