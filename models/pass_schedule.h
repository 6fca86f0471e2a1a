// The pass-level twin of hw/'s pipeline (SPEC 6): weight memory -> stream decoder -> term FIFO ->
// controller, as plain C++. It replays the same cycle rules as the SystemC blocks (docs/cycles.md)
// but only on the cycles where a block does something, so a pass costs a few loop steps per term
// instead of kernel activations. Fast mode uses it to advance simulated time once per pass;
// the equivalence tests hold it to per-cycle mode field by field.
//
// Only the deterministic pipeline is modelled: no random memory or FIFO stall sources (with those,
// fast mode simulates term by term in SystemC instead).
#pragma once
#include <cstdint>
#include <list>
#include <vector>

#include "models/codec.h"
#include "models/pass_stats.h"
#include "models/sc_layer.h"

namespace slq {

// What the stream decoder makes of a memory image, field by field, in the order it reads them.
struct DecodedFields {
  enum class End : uint8_t {
    complete,    // FieldDecoder::complete() after the last field: the decoder stops without reading on
    peeked_end,  // special: the field after the last one is padding, found by peeking at it
    image_end,   // the image has no further whole field
  };
  std::vector<Term> terms;                  // the terms, in stream order (weight, sign, exponent, first, nbits)
  std::vector<uint8_t> field_has_term;      // per consumed field: 1 if it yields a term
  End end = End::complete;
  uint64_t markers = 0, zero_codes = 0, dropped_terms = 0;
  uint64_t fields() const { return field_has_term.size(); }
};
// Decodes `mem` exactly as hw::StreamDecoder does (models::FieldDecoder, field by field); throws
// StreamError for a malformed image, with the same position the decoder reports.
DecodedFields decode_fields(const std::vector<uint64_t>& mem, const CodeParams& code, uint64_t weight_count,
                            const std::string& where = "weight memory");

// Cycles before the first term can reach the array: cycle 0 reads memory word 0, cycle 1
// decodes its first field into the FIFO, cycle 2 is the first array cycle (docs/cycles.md).
constexpr uint64_t kFillCycles = 2;

// What the stream decoder did in a cycle; the controller reads it a cycle later to name its stalls.
enum class DecoderStatus : uint8_t { idle = 0, produced = 1, starved = 2, no_term = 3, fifo_full = 4, done = 5 };

struct PipelineParams {
  int fields_per_cycle = 1;  // decoder slots per cycle
  int fifo_depth = 2;        // term FIFO entries
  int bits_per_cycle = 1;    // B: a term of n bits occupies the array ceil(n / B) cycles
};

// The timing of one pass: PassStats with cycles, busy cycles, stalls by cause, the decoder's
// counts, memory reads and FIFO-full cycles filled in (not saturations, not lane_busy_cycles:
// they depend on the activations and the active lanes). `mem_words` is the image's word count.
PassStats pass_schedule(const DecodedFields& fields, uint64_t mem_words, int mem_word_bits, int field_bits,
                        const PipelineParams& pipe);

// The decoded fields and timing of the last few images passes ran on: a layer's image comes back
// pass after pass, and its timing does not depend on the activations. Entries are keyed by the
// image's content (compared word for word), so a changed image is never served a stale schedule.
class ScheduleCache {
 public:
  struct Entry {
    std::vector<uint64_t> mem;
    CodeParams code;
    uint64_t weight_count = 0;
    int cols = 0;
    PipelineParams pipe;
    DecodedFields fields;
    PassStats timing;
    std::vector<RowRun> rows;  // fields.terms by output row (models::row_runs)
  };
  explicit ScheduleCache(size_t capacity = 8) : capacity_(capacity) {}
  // The entry for this image (of rows x cols weights) and pipeline, decoded and scheduled on a miss.
  const Entry& get(const std::vector<uint64_t>& mem, const CodeParams& code, uint64_t weight_count, int cols,
                   const PipelineParams& pipe);
  uint64_t misses() const { return misses_; }

 private:
  size_t capacity_;
  std::list<Entry> entries_;  // most recently used first
  uint64_t misses_ = 0;
};

}  // namespace slq
