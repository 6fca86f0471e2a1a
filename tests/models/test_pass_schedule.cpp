// models::pass_schedule, the pipeline's plain C++ twin (fast mode's whole passes): the worked
// examples of docs/cycles.md cycle for cycle, the decoder's view of a stream, the schedule cache
// (never stale), and malformed images. Its agreement with the SystemC pipeline on random layers
// and on the shipped model is held by tests/tb/test_equivalence.cpp.
#include <gtest/gtest.h>

#include "models/codec.h"
#include "models/pass_schedule.h"

namespace slq {
namespace {

CodeParams code_of(Format f, int W = 32) {
  CodeParams p;
  p.format = f;
  p.max_words = (f == Format::tag || f == Format::special) ? 2 : 1;
  p.mem_word_bits = W;
  return p;
}

WeightWords weights_of(const std::vector<std::vector<int>>& ws) {
  WeightWords w;
  for (const auto& x : ws) w.add(x);
  return w;
}

PassStats schedule_of(Format f, const std::vector<std::vector<int>>& ws, PipelineParams pipe = {}, int W = 32) {
  const CodeParams code = code_of(f, W);
  const PackedStream s = pack_stream(weights_of(ws), code);
  const DecodedFields fields = decode_fields(s.mem, code, ws.size());
  return pass_schedule(fields, s.mem.size(), code.mem_word_bits, code.field_bits(), pipe);
}

// docs/cycles.md, example 1: lq codes 1 and 2 are terms of 128 and 64 array cycles; two fill
// cycles before the first, one cycle after the last to hand the row off.
TEST(PassSchedule, WorkedExampleLq) {
  const PassStats s = schedule_of(Format::lq, {{1}, {2}});
  EXPECT_EQ(s.busy_cycles, 192u);
  EXPECT_EQ(s.cycles, 195u);
  EXPECT_EQ(s.stall_cycles(), 0u);
  EXPECT_EQ(s.terms, 2u);
  EXPECT_EQ(s.fields, 2u);
  EXPECT_EQ(s.memory_reads, 1u);  // both fields are in word 0
}

// Example 2: special, fields 8 | 8 M -8 | 8 with 1-cycle terms (e = 8): the marker takes a
// decoder cycle that the array feels as one decoder stall.
TEST(PassSchedule, WorkedExampleSpecialMarkerStall) {
  const PassStats s = schedule_of(Format::special, {{8}, {8, -8}, {8}});
  EXPECT_EQ(s.busy_cycles, 4u);
  EXPECT_EQ(s.stall_decoder, 1u);
  EXPECT_EQ(s.stall_memory, 0u);
  EXPECT_EQ(s.markers, 1u);
  EXPECT_EQ(s.fields, 5u);
  EXPECT_EQ(s.cycles, 8u);
}

// Example 3: tag, the same weights: no marker, no stall, no end-of-stream peek.
TEST(PassSchedule, WorkedExampleTag) {
  const PassStats s = schedule_of(Format::tag, {{8}, {8, -8}, {8}});
  EXPECT_EQ(s.busy_cycles, 4u);
  EXPECT_EQ(s.stall_cycles(), 0u);
  EXPECT_EQ(s.markers, 0u);
  EXPECT_EQ(s.cycles, 7u);
}

// Example 2 with two fields a cycle (worked by hand in docs/performance.md): the marker and the
// word after it are decoded in the same cycle, so the array never waits; the decoder finds the
// FIFO full once (cycle 2) and the pass takes as long as tag's.
TEST(PassSchedule, TwoFieldsPerCycleHideTheMarker) {
  PipelineParams two;
  two.fields_per_cycle = 2;
  const PassStats s = schedule_of(Format::special, {{8}, {8, -8}, {8}}, two);
  EXPECT_EQ(s.markers, 1u);
  EXPECT_EQ(s.stall_cycles(), 0u);
  EXPECT_EQ(s.decoder_fifo_full_cycles, 1u);
  EXPECT_EQ(s.memory_reads, 1u);
  EXPECT_EQ(s.cycles, 7u);
}

// Long terms: the decoder fills the FIFO and waits; the array never idles after the fill.
TEST(PassSchedule, LongTermsFillTheFifoAndTheDecoderWaits) {
  const PassStats s = schedule_of(Format::lq, {{1}, {1}, {1}, {1}, {1}});
  EXPECT_EQ(s.busy_cycles, 5u * 128);
  EXPECT_EQ(s.stall_cycles(), 0u);
  EXPECT_EQ(s.cycles, 2 + 5u * 128 + 1);
  // Terms 0..2 are in by cycle 3; the FIFO (t1, t2) is full from cycle 4 to the pop at 130, then
  // (t2, t3) from 132 to the pop at 258; after t4 the stream is complete.
  EXPECT_EQ(s.decoder_fifo_full_cycles, 2u * 127);
  // A deeper FIFO changes when the decoder waits, not how long the pass takes.
  PipelineParams deep;
  deep.fifo_depth = 8;
  const PassStats d = schedule_of(Format::lq, {{1}, {1}, {1}, {1}, {1}}, deep);
  EXPECT_EQ(d.cycles, s.cycles);
  EXPECT_EQ(d.decoder_fifo_full_cycles, 0u);
  // B = 4 bits a cycle: each term takes a quarter of the cycles.
  PipelineParams wide;
  wide.bits_per_cycle = 4;
  EXPECT_EQ(schedule_of(Format::lq, {{1}, {1}, {1}, {1}, {1}}, wide).busy_cycles, 5u * 32);
}

TEST(PassSchedule, DecodedFieldsMatchTheStreamsTerms) {
  const CodeParams code = code_of(Format::special);
  const WeightWords w = weights_of({{3}, {0}, {2, -5}, {12}, {-1}});  // 12 > N: a dropped term
  const PackedStream s = pack_stream(w, code);
  const DecodedFields f = decode_fields(s.mem, code, w.weight_count());
  const std::vector<Term> expected = stream_terms(w, code);
  ASSERT_EQ(f.terms.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(f.terms[i].weight, expected[i].weight) << i;
    EXPECT_EQ(f.terms[i].sign, expected[i].sign) << i;
    EXPECT_EQ(f.terms[i].nbits, expected[i].nbits) << i;
    EXPECT_EQ(f.terms[i].first, expected[i].first) << i;
  }
  EXPECT_EQ(f.zero_codes, 1u);
  EXPECT_EQ(f.markers, 1u);
  EXPECT_EQ(f.dropped_terms, 1u);
  EXPECT_EQ(f.fields(), 7u);  // 3 | 0 | 2 M -5 | 12 | -1
  EXPECT_EQ(f.end, DecodedFields::End::peeked_end);  // -1 could have a continuation: peek
  EXPECT_EQ(decode_fields(pack_stream(w, code_of(Format::tag)).mem, code_of(Format::tag), 5).end,
            DecodedFields::End::complete);
}

TEST(PassSchedule, MalformedImageIsAStreamErrorWithItsPosition) {
  const CodeParams code = code_of(Format::lq);
  PackedStream s = pack_stream(weights_of({{1}, {2}, {3}}), code);
  try {
    decode_fields(s.mem, code, 10);  // the image holds 3 weights, not 10: it ends early
    FAIL() << "no error";
  } catch (const StreamError& e) {
    EXPECT_GE(e.bit_offset(), 15u);
  }
}

TEST(ScheduleCache, ServesTheSameImageAndNeverAStaleOne) {
  const CodeParams code = code_of(Format::lq);
  ScheduleCache cache(2);
  PackedStream a = pack_stream(weights_of({{1}, {2}}), code);
  const PassStats first = cache.get(a.mem, code, 2, 2, {}).timing;
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.get(a.mem, code, 2, 2, {}).timing, first);
  EXPECT_EQ(cache.misses(), 1u);
  // Same size, other content (as a reused buffer would hold): scheduled anew.
  std::vector<uint64_t> changed = a.mem;
  changed[0] = pack_stream(weights_of({{3}, {3}}), code).mem[0];
  const PassStats other = cache.get(changed, code, 2, 2, {}).timing;
  EXPECT_EQ(cache.misses(), 2u);
  EXPECT_EQ(other.busy_cycles, 64u);
  EXPECT_NE(other.cycles, first.cycles);
  // Another pipeline is another schedule.
  PipelineParams wide;
  wide.bits_per_cycle = 2;
  EXPECT_EQ(cache.get(a.mem, code, 2, 2, wide).timing.busy_cycles, 96u);
  EXPECT_EQ(cache.misses(), 3u);
  // Capacity 2: the first entry was evicted.
  EXPECT_EQ(cache.get(a.mem, code, 2, 2, {}).timing, first);
  EXPECT_EQ(cache.misses(), 4u);
  EXPECT_EQ(cache.get(a.mem, code, 2, 2, {}).rows.size(), 1u);  // one row of two weights
  // The same image as two rows of one weight: the same timing, other row runs.
  const ScheduleCache::Entry& tall = cache.get(a.mem, code, 2, 1, {});
  EXPECT_EQ(cache.misses(), 5u);
  EXPECT_EQ(tall.timing, first);
  ASSERT_EQ(tall.rows.size(), 2u);
  EXPECT_EQ(tall.rows[1].row, 1u);
  EXPECT_EQ(tall.rows[1].bits, 64u);
}

}  // namespace
}  // namespace slq
