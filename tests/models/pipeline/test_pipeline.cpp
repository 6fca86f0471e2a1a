// The pipeline's step functions (models/pipeline: DecoderCore, ControllerCore) and the whole-pass
// view built on them (schedule_pass): the worked examples of docs/cycles.md cycle for cycle, the
// decoder's cycle rules one by one, the controller's decisions and stall names, the schedule
// cache (never stale), and malformed images. The SystemC blocks call the same step functions;
// their agreement on random layers and on the shipped model is held by
// tests/tb/test_equivalence.cpp.
#include <gtest/gtest.h>

#include "models/codec/codec.h"
#include "models/pipeline/controller_core.h"
#include "models/pipeline/decoder_core.h"
#include "models/pipeline/schedule.h"

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
  return schedule_pass(s.mem, code, ws.size(), static_cast<int>(ws.size()), pipe).timing;
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

TEST(PassSchedule, DecodedTermsMatchTheQuantizersWords) {
  const CodeParams code = code_of(Format::special);
  const WeightWords w = weights_of({{3}, {0}, {2, -5}, {12}, {-1}});  // 12 > N: a dropped term
  const PackedStream s = pack_stream(w, code);
  const PassSchedule p = schedule_pass(s.mem, code, w.weight_count(), 5, {});
  const std::vector<Term> expected = stream_terms(w, code);
  ASSERT_EQ(p.terms.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(p.terms[i].weight, expected[i].weight) << i;
    EXPECT_EQ(p.terms[i].sign, expected[i].sign) << i;
    EXPECT_EQ(p.terms[i].nbits, expected[i].nbits) << i;
    EXPECT_EQ(p.terms[i].first, expected[i].first) << i;
  }
  EXPECT_EQ(p.timing.zero_codes, 1u);
  EXPECT_EQ(p.timing.markers, 1u);
  EXPECT_EQ(p.timing.dropped_terms, 1u);
  EXPECT_EQ(p.timing.fields, 7u);  // 3 | 0 | 2 M -5 | 12 | -1
  EXPECT_EQ(p.timing.terms, expected.size());
}

TEST(PassSchedule, MalformedImageIsAStreamErrorWithItsPosition) {
  const CodeParams code = code_of(Format::lq);
  PackedStream s = pack_stream(weights_of({{1}, {2}, {3}}), code);
  try {
    schedule_pass(s.mem, code, 10, 10, {});  // the image holds 3 weights, not 10: it ends early
    FAIL() << "no error";
  } catch (const StreamError& e) {
    EXPECT_EQ(e.field_index(), 6u);  // 3 weights and 3 zero codes of padding in the 32-bit word
    EXPECT_EQ(e.bit_offset(), 30u);
  }
}

// ---- the decoder's rules, one cycle at a time -----------------------------------------------

// special: the last weight {-1} could have a continuation, so the decoder peeks at the next
// field; padding ends the stream without consuming it. tag needs no peek.
TEST(DecoderCore, SpecialPeeksAtTheEndTagDoesNot) {
  const WeightWords w = weights_of({{3}, {-1}});
  for (Format f : {Format::special, Format::tag}) {
    const CodeParams code = code_of(f);
    const PackedStream s = pack_stream(w, code);
    DecoderCore d(code, 2, s.mem.size(), 4);
    const DecoderCore::Cycle c0 = d.step(2);  // cycle 0: nothing buffered yet, word 0 requested
    EXPECT_EQ(c0.status, DecoderStatus::starved);
    EXPECT_TRUE(c0.read);
    EXPECT_EQ(c0.read_address, 0u);
    d.receive(s.mem[0]);
    const DecoderCore::Cycle c1 = d.step(4);  // both terms, then the end (a peek needs FIFO room too)
    EXPECT_EQ(c1.pushed, 2);
    EXPECT_EQ(c1.status, DecoderStatus::produced);
    EXPECT_TRUE(d.finished());
    EXPECT_FALSE(c1.read);
    EXPECT_EQ(d.stats().fields, 2u) << to_string(f) << ": the peeked padding field is not consumed";
  }
}

// A full FIFO stops the slot loop before the field is decoded; the first slot's outcome names the
// cycle, a term raises it to `produced`.
TEST(DecoderCore, FifoFullAndStatusNaming) {
  const CodeParams code = code_of(Format::lq);
  const PackedStream s = pack_stream(weights_of({{0}, {1}, {2}, {3}}), code);
  DecoderCore d(code, 4, s.mem.size(), 2);
  d.step(2);
  d.receive(s.mem[0]);
  const DecoderCore::Cycle a = d.step(1);  // slot 0: the zero code (no term); slot 1: a term
  EXPECT_EQ(a.pushed, 1);
  EXPECT_EQ(a.status, DecoderStatus::produced);
  EXPECT_EQ(d.emitted()[0].weight, 1u);
  const DecoderCore::Cycle b = d.step(0);  // no room at all
  EXPECT_EQ(b.pushed, 0);
  EXPECT_EQ(b.status, DecoderStatus::fifo_full);
  const DecoderCore::Cycle c = d.step(1);  // room for one term: the second slot finds it full
  EXPECT_EQ(c.pushed, 1);
  EXPECT_EQ(c.status, DecoderStatus::produced);
  EXPECT_EQ(d.stats().zero_codes, 1u);
  EXPECT_EQ(d.stats().fields, 3u);
}

// The memory rule: one read in flight at most, issued only while the buffer holds at most W bits.
TEST(DecoderCore, ReadsOneWordAtATimeIntoATwoWordBuffer) {
  const CodeParams code = code_of(Format::lq, 8);  // W = 8: fields straddle words
  WeightWords w;
  for (int i = 0; i < 6; ++i) w.add({1 + i % 3});
  const PackedStream s = pack_stream(w, code);
  DecoderCore d(code, 6, s.mem.size(), 1);
  uint64_t reads = 0;
  size_t next = 0;
  bool word_due = false;
  for (int cycle = 0; cycle < 100 && !d.finished(); ++cycle) {
    if (word_due) d.receive(s.mem[next++]);
    const DecoderCore::Cycle c = d.step(2);
    EXPECT_LE(d.buffered_bits(), 2 * code.mem_word_bits);
    word_due = c.read;
    if (c.read) {
      EXPECT_EQ(c.read_address, reads);
      ++reads;
    }
  }
  EXPECT_TRUE(d.finished());
  EXPECT_EQ(reads, s.mem.size());
  EXPECT_EQ(d.stats().memory_reads, s.mem.size());
  EXPECT_EQ(d.stats().terms, 6u);
}

// ---- the controller's decisions ------------------------------------------------------------

TEST(ControllerCore, DecidesAndNamesStalls) {
  using A = ControllerCore::Action;
  EXPECT_EQ(ControllerCore::decide(true, false, false), A::start);
  EXPECT_EQ(ControllerCore::decide(true, false, true), A::start);  // done, but terms are left
  EXPECT_EQ(ControllerCore::decide(false, false, true), A::finish);
  EXPECT_EQ(ControllerCore::decide(true, true, true), A::stall);  // held by the testbench
  EXPECT_EQ(ControllerCore::decide(false, false, false), A::stall);
  ControllerCore c(2, 4);
  EXPECT_EQ(c.stall(1, false, DecoderStatus::starved), StallCause::none);  // the fill
  EXPECT_EQ(c.stall(2, false, DecoderStatus::starved), StallCause::memory);
  EXPECT_EQ(c.stall(3, false, DecoderStatus::no_term), StallCause::decoder);
  EXPECT_EQ(c.stall(4, false, DecoderStatus::produced), StallCause::decoder);
  EXPECT_EQ(c.stall(5, true, DecoderStatus::starved), StallCause::fifo);
  Term t;
  t.weight = 5;  // row 1 of 4 columns
  t.nbits = 7;   // 4 cycles at B = 2
  const ControllerCore::Start s = c.start(6, t);
  EXPECT_EQ(s.cycles, 4u);
  EXPECT_TRUE(s.new_row);
  EXPECT_EQ(s.previous_row, -1);
  EXPECT_TRUE(c.busy(9));
  EXPECT_FALSE(c.busy(10));
  EXPECT_EQ(c.remaining_after(6), 3u);
  t.weight = 6;
  EXPECT_FALSE(c.start(10, t).new_row);
  t.weight = 8;
  const ControllerCore::Start next = c.start(14, t);
  EXPECT_TRUE(next.new_row);
  EXPECT_EQ(next.previous_row, 1);
  EXPECT_EQ(c.finish(18), 2);
  EXPECT_EQ(c.stats().cycles, 19u);
  EXPECT_EQ(c.stats().busy_cycles, 12u);
  EXPECT_EQ(c.stats().stall_memory, 1u);
  EXPECT_EQ(c.stats().stall_decoder, 2u);
  EXPECT_EQ(c.stats().stall_fifo, 1u);
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
  // The same image as two rows of one weight: the same timing, other row runs and hand-offs.
  const PassSchedule& tall = cache.get(a.mem, code, 2, 1, {});
  EXPECT_EQ(cache.misses(), 5u);
  PassStats tall_timing = tall.timing;
  EXPECT_EQ(tall_timing.row_handoffs, 2u);
  EXPECT_EQ(first.row_handoffs, 1u);
  tall_timing.row_handoffs = first.row_handoffs;
  EXPECT_EQ(tall_timing, first);
  ASSERT_EQ(tall.rows.size(), 2u);
  EXPECT_EQ(tall.rows[1].row, 1u);
  EXPECT_EQ(tall.rows[1].bits, 64u);
}

}  // namespace
}  // namespace slq
