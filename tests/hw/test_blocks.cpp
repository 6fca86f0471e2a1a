// The accelerator's blocks one at a time, each in a testbench of its own with random
// back-pressure, against its models/ twin cycle by cycle:
//   - WeightMemory: words and arrival cycles against tb::RandomStalls' latencies;
//   - StreamDecoder (with its memory): the status register every cycle, the terms it hands to
//     the FIFO and its counts, against models::DecoderCore stepped with the same FIFO room and
//     the same word arrivals;
//   - Controller (with the MAC array and the output stage): what it does every cycle (busy,
//     term started, stall and its cause, done) against models::ControllerCore with the same FIFO
//     valid, holds, decoder status and done; the accumulators against the golden model;
//   - OutputStage: rows handed off land where they belong.
// Each TEST is one SystemC elaboration (its own process under ctest).
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include <systemc>

#include "hw/controller/controller.h"
#include "hw/decoder/stream_decoder.h"
#include "hw/memory/weight_memory.h"
#include "hw/output/output_stage.h"
#include "models/pipeline/controller_core.h"
#include "models/pipeline/decoder_core.h"
#include "tb/stall_sources.h"
#include "tests/hw/hw_test_util.h"

using namespace slq;

namespace {

const sc_core::sc_time kPeriod(1000, sc_core::SC_PS);

CodeParams code_of(Format f, int W = 32) {
  CodeParams p;
  p.format = f;
  p.max_words = p.words_limit();
  p.mem_word_bits = W;
  return p;
}

// A PassContext for blocks outside an Accelerator (the job's vectors must outlive it).
struct Frame {
  hw::AccelConfig config;
  hw::PassContext ctx;
  explicit Frame(const hw::AccelConfig& c) : config(c) {
    ctx.config = &config;
    ctx.period = kPeriod;
  }
};

// ---- WeightMemory ------------------------------------------------------------------------

class MemoryBench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(MemoryBench);
  MemoryBench(sc_core::sc_module_name name, Frame& f, const std::vector<uint64_t>& image, hw::StallSource* stalls)
      : sc_module(name), frame_(f), memory_("memory", f.ctx) {
    f.ctx.job.memory = &image;
    f.ctx.stalls = stalls;
    SC_THREAD(run);
  }
  std::vector<uint64_t> issued_at, arrived_at, words;

 private:
  void run() {
    memory_.begin_pass();
    const size_t n = frame_.ctx.job.memory->size();
    bool outstanding = false;
    for (uint64_t c = 0; words.size() < n && c < 10000; ++c) {  // one read in flight, as the decoder
      uint64_t word = 0;
      if (memory_.response.nb_read(word)) {
        words.push_back(word);
        arrived_at.push_back(c);
        outstanding = false;
      }
      if (!outstanding && issued_at.size() < n) {
        memory_.request.nb_write(issued_at.size());
        issued_at.push_back(c);
        outstanding = true;
      }
      wait(kPeriod);
    }
  }
  Frame& frame_;
  hw::WeightMemory memory_;
};

}  // namespace

TEST(BlockMemory, WordsInOrderArrivingAfterTheirLatency) {
  std::vector<uint64_t> image;
  for (uint64_t i = 0; i < 40; ++i) image.push_back(i * 2654435761u % 4294967296u);
  tb::StallSources s;
  s.memory_probability = 0.5;
  s.memory_max_extra_cycles = 4;
  s.seed = 3;
  tb::RandomStalls stalls(s), replay(s);
  Frame frame{hw::AccelConfig{}};
  auto* bench = new MemoryBench("bench", frame, image, &stalls);
  sc_core::sc_start();
  ASSERT_EQ(bench->words, image);
  uint64_t late = 0;
  for (size_t i = 0; i < image.size(); ++i) {
    const int extra = replay.memory_extra_cycles();
    late += extra > 0;
    EXPECT_EQ(bench->arrived_at[i], bench->issued_at[i] + 1 + static_cast<uint64_t>(extra)) << "word " << i;
  }
  EXPECT_GT(late, 5u);
}

// ---- StreamDecoder -------------------------------------------------------------------------

namespace {

class DecoderBench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DecoderBench);
  DecoderBench(sc_core::sc_module_name name, Frame& f, const PassJob& job, hw::StallSource* stalls, double pop_p,
               uint64_t seed)
      : sc_module(name), frame_(f), memory_("memory", f.ctx), fifo_("fifo", f.config.fifo_depth),
        decoder_("decoder", f.ctx, memory_, fifo_), rng_(seed), pop_(pop_p) {
    f.ctx.job = job;
    f.ctx.stalls = stalls;
    SC_THREAD(run);
  }
  std::vector<uint8_t> status_seen;  // the status register as cycle c begins
  std::vector<bool> decided;         // the consumer wanted a term in cycle c
  std::vector<Term> popped;
  PassStats stats;

 private:
  void run() {
    frame_.ctx.start = sc_core::sc_time_stamp();
    memory_.begin_pass();
    decoder_.begin_pass();
    frame_.ctx.start_event.notify(sc_core::SC_ZERO_TIME);
    for (uint64_t c = 0; c < 100000; ++c) {
      status_seen.push_back(decoder_.status.read());
      if (decoder_.done.read() && fifo_.num_available() == 0) break;
      const bool want = pop_(rng_);
      decided.push_back(want);
      hw::TermToken t;
      if (want && fifo_.nb_read(t)) popped.push_back(t.term);
      wait(kPeriod);
    }
    stats = decoder_.stats();
  }
  Frame& frame_;
  hw::WeightMemory memory_;
  hw::TermFifo fifo_;
  hw::StreamDecoder decoder_;
  std::mt19937_64 rng_;
  std::bernoulli_distribution pop_;
};

// The decoder's twin stepped with the same consumer and memory latencies.
struct DecoderReplay {
  std::vector<uint8_t> status_seen;
  std::vector<Term> pushed;
  PassStats stats;
};
DecoderReplay replay_decoder(const PassJob& job, int F, int depth, const std::vector<bool>& decided,
                             tb::StallSources* stalls) {
  DecoderReplay r;
  DecoderCore core(job.code, job.weight_count, job.memory->size(), F);
  std::unique_ptr<tb::RandomStalls> latency = stalls ? std::make_unique<tb::RandomStalls>(*stalls) : nullptr;
  std::deque<Term> fifo;
  size_t committed = 0;
  uint8_t status = static_cast<uint8_t>(DecoderStatus::idle);
  bool asleep = false, due = false;
  uint64_t due_at = 0, due_address = 0, blocked_since = 0;
  for (uint64_t c = 0; c < decided.size(); ++c) {
    r.status_seen.push_back(status);
    const bool pop = decided[c] && committed > 0;
    if (pop) fifo.pop_front();
    int pushed = 0;
    if (!core.finished() && !asleep) {
      if (due && c >= due_at) {
        core.receive((*job.memory)[due_address]);
        due = false;
      }
      const DecoderCore::Cycle& cy = core.step(depth - static_cast<int>(committed));
      for (int i = 0; i < cy.pushed; ++i) {
        fifo.push_back(core.emitted()[i]);
        r.pushed.push_back(core.emitted()[i]);
      }
      pushed = cy.pushed;
      if (cy.read) {
        due = true;
        due_address = cy.read_address;
        due_at = c + 1 + static_cast<uint64_t>(latency ? latency->memory_extra_cycles() : 0);
      }
      status = static_cast<uint8_t>(cy.status);
      if (!core.finished() && cy.status == DecoderStatus::fifo_full) {
        asleep = true;
        blocked_since = c;
      }
    }
    if (asleep && pop) {  // the FIFO's read wakes it; it acts again the cycle after
      asleep = false;
      core.add_fifo_full_cycles(c + 1 - blocked_since);
    }
    committed = committed + static_cast<size_t>(pushed) - (pop ? 1 : 0);
  }
  r.stats = core.stats();
  return r;
}

class BlockDecoder : public ::testing::TestWithParam<std::tuple<Format, int, int, bool>> {};

}  // namespace

TEST_P(BlockDecoder, EveryCycleAsItsTwin) {
  const auto [format, F, depth, memory_stalls] = GetParam();
  std::mt19937_64 rng(77 + F * 5 + depth);
  const test::RandomLayer L = test::random_layer(rng, code_of(format, 24), 6, 30, 1);
  const PassJob job = test::job_of(L, 1);
  hw::AccelConfig config;
  config.fields_per_cycle = F;
  config.fifo_depth = depth;
  tb::StallSources s;
  s.memory_probability = memory_stalls ? 0.3 : 0;
  s.seed = 9;
  tb::RandomStalls stalls(s);
  Frame frame(config);
  auto* bench = new DecoderBench("bench", frame, job, memory_stalls ? &stalls : nullptr, 0.35, 5);
  sc_core::sc_start();
  // The terms in stream order are the quantizer's (not decoded by anything the decoder uses).
  const std::vector<Term> expected = stream_terms(L.words, L.code);
  ASSERT_EQ(bench->popped.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(bench->popped[i].weight, expected[i].weight) << i;
    EXPECT_EQ(bench->popped[i].nbits, expected[i].nbits) << i;
    EXPECT_EQ(bench->popped[i].sign, expected[i].sign) << i;
  }
  const DecoderReplay twin = replay_decoder(job, F, depth, bench->decided, memory_stalls ? &s : nullptr);
  ASSERT_EQ(twin.status_seen.size(), bench->decided.size());
  for (size_t c = 0; c < twin.status_seen.size(); ++c)
    ASSERT_EQ(int(bench->status_seen[c]), int(twin.status_seen[c])) << "status register at cycle " << c;
  EXPECT_TRUE(bench->stats == twin.stats) << "decoder counts differ from the twin's";
  EXPECT_GT(bench->stats.decoder_fifo_full_cycles, 0u) << "the consumer must hold the decoder back";
}

INSTANTIATE_TEST_SUITE_P(Formats, BlockDecoder,
                         ::testing::Combine(::testing::Values(Format::tag, Format::special, Format::lq, Format::linear),
                                            ::testing::Values(1, 3), ::testing::Values(1, 2),
                                            ::testing::Values(false, true)),
                         [](const auto& info) {
                           return std::string(to_string(std::get<0>(info.param))) + "_F" +
                                  std::to_string(std::get<1>(info.param)) + "_depth" +
                                  std::to_string(std::get<2>(info.param)) +
                                  (std::get<3>(info.param) ? "_memory_stalls" : "");
                         });

// ---- Controller ------------------------------------------------------------------------------

namespace {

class ControllerBench : public sc_core::sc_module {
 public:
  sc_core::sc_signal<uint8_t> status{"status"};
  sc_core::sc_signal<bool> done{"done"};

  SC_HAS_PROCESS(ControllerBench);
  ControllerBench(sc_core::sc_module_name name, Frame& f, const PassJob& job, const std::vector<Term>& terms,
                  hw::StallSource* stalls, uint64_t seed)
      : sc_module(name), frame_(f), terms_(terms), fifo_("fifo", f.config.fifo_depth), array_("array", f.ctx),
        output_("output", f.ctx), controller_("controller", f.ctx, fifo_, array_, output_), rng_(seed) {
    f.ctx.job = job;
    f.ctx.stalls = stalls;
    controller_.decoder_status(status);
    controller_.decoder_done(done);
    controller_.set_cycle_observer([this](const hw::CycleObservation& o) { seen.push_back(o); });
    SC_THREAD(run);
  }
  std::vector<hw::CycleObservation> seen;
  std::vector<bool> pushed;       // a term went into the FIFO in cycle c
  std::vector<uint8_t> statuses;  // what the producer wrote in cycle c
  std::vector<bool> dones;
  std::vector<int64_t> result;
  PassStats stats;

 private:
  void run() {
    frame_.ctx.start = sc_core::sc_time_stamp();
    array_.begin_pass(frame_.ctx.job.rows);
    output_.begin_pass(frame_.ctx.job.rows);
    controller_.begin_pass();
    frame_.ctx.start_event.notify(sc_core::SC_ZERO_TIME);
    pushed.push_back(false);  // cycle 0: the producer waits for the pass to begin
    statuses.push_back(0);
    dones.push_back(false);
    wait(kPeriod);
    std::bernoulli_distribution push(0.4);
    std::uniform_int_distribution<int> status_of(0, 4);
    size_t next = 0;
    for (uint64_t c = 1; c < 100000 && (seen.empty() || !seen.back().done); ++c) {
      const bool p = next < terms_.size() && push(rng_) && fifo_.num_free() > 0;
      if (p) fifo_.nb_write(hw::TermToken{terms_[next++]});
      const uint8_t st = static_cast<uint8_t>(status_of(rng_));
      status.write(st);
      done.write(next == terms_.size());
      pushed.push_back(p);
      statuses.push_back(st);
      dones.push_back(next == terms_.size());
      wait(kPeriod);
    }
    result = output_.result();
    stats = controller_.stats();
  }
  Frame& frame_;
  const std::vector<Term>& terms_;
  hw::TermFifo fifo_;
  hw::MacArray array_;
  hw::OutputStage output_;
  hw::Controller controller_;
  std::mt19937_64 rng_;
};

class BlockController : public ::testing::TestWithParam<std::tuple<int, bool>> {};

}  // namespace

TEST_P(BlockController, EveryCycleAsItsTwin) {
  const auto [B, holds] = GetParam();
  std::mt19937_64 rng(31 + B);
  const int P = 8;
  const test::RandomLayer L = test::random_layer(rng, code_of(Format::special), 5, 20, P);
  const std::vector<Term> terms = stream_terms(L.words, L.code);
  hw::AccelConfig config;
  config.array.lanes = P;
  config.array.bits_per_cycle = B;
  tb::StallSources s;
  s.fifo_probability = holds ? 0.3 : 0;
  s.seed = 4;
  tb::RandomStalls stalls(s), replay_holds(s);
  Frame frame(config);
  auto* bench = new ControllerBench("bench", frame, test::job_of(L, P), terms, holds ? &stalls : nullptr, 8);
  sc_core::sc_start();
  ASSERT_FALSE(bench->seen.empty());
  ASSERT_TRUE(bench->seen.back().done);

  // The twin, with the FIFO's valid, the holds and the decoder's registers as the controller saw them.
  ControllerCore core(B, L.cols);
  size_t committed = 0, popped = 0;
  for (uint64_t c = 0; c < bench->seen.size(); ++c) {
    const hw::CycleObservation& o = bench->seen[c];
    ASSERT_EQ(o.cycle, c);
    bool pop = false;
    if (core.busy(c)) {
      EXPECT_TRUE(o.busy && !o.term_started) << "cycle " << c;
    } else {
      const bool valid = committed > 0;
      const bool held = valid && holds && replay_holds.hold_fifo_output();
      const DecoderStatus status = static_cast<DecoderStatus>(c > 0 ? bench->statuses[c - 1] : 0);
      const bool done = c > 0 && bench->dones[c - 1];
      switch (ControllerCore::decide(valid, held, done)) {
        case ControllerCore::Action::start:
          ASSERT_TRUE(o.term_started) << "cycle " << c;
          EXPECT_EQ(o.term.weight, terms[popped].weight) << "cycle " << c;
          core.start(c, terms[popped++]);
          pop = true;
          break;
        case ControllerCore::Action::finish:
          EXPECT_TRUE(o.done) << "cycle " << c;
          core.finish(c);
          break;
        case ControllerCore::Action::stall:
          EXPECT_FALSE(o.busy) << "cycle " << c;
          EXPECT_EQ(int(o.stall), int(core.stall(c, held, status))) << "stall cause at cycle " << c;
          break;
      }
    }
    committed = committed + (bench->pushed[c] ? 1 : 0) - (pop ? 1 : 0);
  }
  EXPECT_EQ(popped, terms.size());
  EXPECT_EQ(bench->stats.cycles, core.stats().cycles);
  EXPECT_EQ(bench->stats.busy_cycles, core.stats().busy_cycles);
  EXPECT_EQ(bench->stats.stall_decoder, core.stats().stall_decoder);
  EXPECT_EQ(bench->stats.stall_memory, core.stats().stall_memory);
  EXPECT_EQ(bench->stats.stall_fifo, core.stats().stall_fifo);
  EXPECT_GT(core.stats().stall_memory + core.stats().stall_decoder, 0u);
  if (holds) {
    EXPECT_GT(core.stats().stall_fifo, 0u);
  }
  EXPECT_EQ(bench->result, test::golden_of(L, config.array).acc);
}

INSTANTIATE_TEST_SUITE_P(Pacing, BlockController, ::testing::Combine(::testing::Values(1, 4), ::testing::Values(false, true)),
                         [](const auto& info) {
                           return "B" + std::to_string(std::get<0>(info.param)) +
                                  (std::get<1>(info.param) ? "_holds" : "");
                         });

// ---- OutputStage -------------------------------------------------------------------------------

TEST(BlockOutput, RowsLandWhereTheyBelong) {
  hw::AccelConfig config;
  config.array.lanes = 4;
  Frame frame(config);
  hw::OutputStage output("output", frame.ctx);
  output.begin_pass(3);
  output.hand_off(2, {1, 2, 3, 4});
  output.hand_off(0, {-5, 6, -7, 8});
  EXPECT_EQ(output.result(), (std::vector<int64_t>{-5, 6, -7, 8, 0, 0, 0, 0, 1, 2, 3, 4}));
  output.begin_pass(1);
  EXPECT_EQ(output.result(), std::vector<int64_t>(4, 0));
}
