// The SystemC accelerator against the golden model (models/sc_layer): accumulators bit for bit,
// cycle rules, stall attribution, back-pressure, and the whole-pass view (models::FastExecutor)
// equal to it. Each TEST elaborates once.
#include <gtest/gtest.h>

#include <tuple>

#include "tests/hw/hw_test_util.h"

using namespace slq;
using slq::test::RandomLayer;

namespace {

hw::AccelConfig config_of(int lanes, int bits_per_cycle, int acc_bits = 24) {
  hw::AccelConfig c;
  c.array.lanes = lanes;
  c.array.bits_per_cycle = bits_per_cycle;
  c.array.acc_bits = acc_bits;
  return c;
}

CodeParams code_of(Format f) {
  CodeParams p;
  p.format = f;
  p.max_words = (f == Format::tag || f == Format::special) ? 2 : 1;
  return p;
}

void expect_cycle_identity(const hw::PassStats& s) {
  EXPECT_EQ(s.cycles, hw::kFillCycles + s.busy_cycles + s.stall_cycles() + 1);
}

}  // namespace

namespace slq {
// Readable parameter names in test listings.
inline void PrintTo(Format f, std::ostream* os) { *os << to_string(f); }
}  // namespace slq

class AccelBitExact : public ::testing::TestWithParam<std::tuple<Format, int, int>> {};

// Random layers in every format, B and P: hardware == golden, fast == per-cycle in everything.
TEST_P(AccelBitExact, MatchesGoldenAndFastEqualsPerCycle) {
  const auto [format, B, P] = GetParam();
  std::mt19937_64 rng(1234 + B * 7 + P);
  std::vector<RandomLayer> layers;
  for (int i = 0; i < 5; ++i)
    layers.push_back(test::random_layer(rng, code_of(format), 2 + i, 3 + 7 * i, P));
  const auto per_cycle = config_of(P, B);
  const auto out = test::run_layers({per_cycle}, layers);
  const auto fast = test::fast_layers(per_cycle, layers);
  ASSERT_EQ(out[0].size(), layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    const PassResult golden = test::golden_of(layers[i], per_cycle.array);
    EXPECT_EQ(out[0][i].acc, golden.acc) << "layer " << i;
    EXPECT_EQ(fast[i].acc, golden.acc) << "layer " << i;
    EXPECT_EQ(out[0][i].stats.busy_cycles, golden.term_cycles);
    EXPECT_EQ(out[0][i].stats.saturations, golden.saturations);
    EXPECT_TRUE(out[0][i].stats == fast[i].stats) << "fast and per-cycle statistics differ, layer " << i;
    expect_cycle_identity(out[0][i].stats);
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, AccelBitExact,
                         ::testing::Combine(::testing::Values(Format::tag, Format::special, Format::lq, Format::linear),
                                            ::testing::Values(1, 2, 4, 8), ::testing::Values(1, 16, 64)),
                         [](const auto& info) {
                           return std::string(to_string(std::get<0>(info.param))) + "_B" +
                                  std::to_string(std::get<1>(info.param)) + "_P" +
                                  std::to_string(std::get<2>(info.param));
                         });

// A small A saturates: the counters clip exactly where the golden model's do, in both views.
TEST(AccelSaturation, SmallAccumulatorClipsLikeGolden) {
  std::mt19937_64 rng(99);
  std::vector<RandomLayer> layers;
  for (int i = 0; i < 3; ++i) layers.push_back(test::random_layer(rng, code_of(Format::special), 3, 60, 16));
  for (auto& layer : layers)
    for (auto& a : layer.acts) a = 200 + a % 56;  // large activations
  const auto per_cycle = config_of(16, 2, 8);
  const auto out = test::run_layers({per_cycle}, layers);
  const auto fast = test::fast_layers(per_cycle, layers);
  uint64_t saturations = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const PassResult golden = test::golden_of(layers[i], per_cycle.array);
    EXPECT_EQ(out[0][i].acc, golden.acc);
    EXPECT_EQ(fast[i].acc, golden.acc);
    EXPECT_EQ(out[0][i].stats.saturations, golden.saturations);
    EXPECT_EQ(fast[i].stats.saturations, golden.saturations);
    saturations += golden.saturations;
  }
  EXPECT_GT(saturations, 0u) << "the test must drive the counters into saturation";
}

// Random memory latency and FIFO holds change timing, never results; every stall has a cause.
TEST(AccelBackPressure, StallsChangeTimingNotResults) {
  std::mt19937_64 rng(7);
  std::vector<RandomLayer> layers;
  for (int i = 0; i < 4; ++i) layers.push_back(test::random_layer(rng, code_of(Format::tag), 4, 40, 16));
  auto calm = config_of(16, 8);
  calm.fields_per_cycle = 2;
  tb::StallSources stalls;
  stalls.memory_probability = 0.4;
  stalls.fifo_probability = 0.3;
  stalls.seed = 5;
  const auto out = test::run_layers({calm, calm}, layers, {tb::StallSources{}, stalls});
  const auto fast = test::fast_layers(calm, layers);
  uint64_t memory_stalls = 0, fifo_stalls = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    EXPECT_EQ(out[1][i].acc, out[0][i].acc);
    EXPECT_TRUE(fast[i].stats == out[0][i].stats) << "the whole-pass view differs from the calm pipeline";
    EXPECT_GT(out[1][i].stats.cycles, out[0][i].stats.cycles);
    EXPECT_EQ(out[1][i].stats.busy_cycles, out[0][i].stats.busy_cycles);
    EXPECT_EQ(out[1][i].stats.terms, out[0][i].stats.terms);
    EXPECT_EQ(out[1][i].stats.memory_reads, out[0][i].stats.memory_reads);
    expect_cycle_identity(out[1][i].stats);
    memory_stalls += out[1][i].stats.stall_memory - out[0][i].stats.stall_memory;
    fifo_stalls += out[1][i].stats.stall_fifo;
  }
  EXPECT_GT(memory_stalls, 0u);
  EXPECT_GT(fifo_stalls, 0u);
}

// With terms of two or more cycles nothing can stall: cycles = fill + sum of term cycles + drain.
TEST(AccelCycles, NoStallFormula) {
  std::mt19937_64 rng(3);
  CodeParams code = code_of(Format::lq);
  RandomLayer layer = test::random_layer(rng, code, 6, 50, 16);
  // Exponents 1..7 only: every term takes at least 2 array cycles at B = 1.
  WeightWords words;
  std::uniform_int_distribution<int> e(1, 7);
  std::bernoulli_distribution neg(0.5);
  for (int i = 0; i < 6 * 50; ++i) words.add({neg(rng) ? -e(rng) : e(rng)});
  layer.words = words;
  layer.stream = pack_stream(words, code);
  const auto out = test::run_layers({config_of(16, 1)}, {layer});
  const auto& s = out[0][0].stats;
  uint64_t sum = 0;
  for (int32_t v : words.words) sum += uint64_t{1} << (8 - std::abs(v));
  EXPECT_EQ(s.busy_cycles, sum);
  EXPECT_EQ(s.stall_cycles(), 0u);
  EXPECT_EQ(s.cycles, 2 + sum + 1);
}

// The worked examples of docs/cycles.md, cycle for cycle.
TEST(AccelCycles, WorkedExamples) {
  auto layer_of = [](Format f, const std::vector<std::vector<int>>& weights) {
    RandomLayer L;
    L.code = code_of(f);
    for (const auto& w : weights) L.words.add(w);
    L.rows = 1;
    L.cols = static_cast<int>(weights.size());
    L.stream = pack_stream(L.words, L.code);
    L.acts.assign(L.cols, 255);
    return L;
  };
  // Example 1: lq, codes 1 and 2: 128 + 64 array cycles, fill 2, drain 1.
  // Example 2: special, weights {8}, {8, -8}, {8}: fields 8 | 8 M -8 | 8; the marker costs one stall.
  // Example 3: tag, the same weights: no marker, no stall, and no end-of-stream peek.
  const std::vector<RandomLayer> layers = {layer_of(Format::lq, {{1}, {2}}),
                                           layer_of(Format::special, {{8}, {8, -8}, {8}}),
                                           layer_of(Format::tag, {{8}, {8, -8}, {8}})};
  std::vector<hw::AccelConfig> configs;
  for (size_t i = 0; i < layers.size(); ++i) configs.push_back(config_of(1, 1));
  // One accelerator per example, all in lockstep; each runs only its own example.
  std::vector<std::vector<PassOutcome>> out(layers.size());
  bool started = false;
  tb::run_passes(
      configs,
      [&](tb::StepJobs& step) {
        if (started) return false;
        for (size_t i = 0; i < layers.size(); ++i) step.jobs[i] = test::job_of(layers[i], 1);
        started = true;
        return true;
      },
      [&](size_t accel, const std::vector<int64_t>& acc, const hw::PassStats& stats) {
        out[accel].push_back({acc, stats});
      });
  const auto& lq = out[0][0].stats;
  EXPECT_EQ(lq.busy_cycles, 192u);
  EXPECT_EQ(lq.cycles, 195u);
  EXPECT_EQ(out[0][0].acc[0], 128 + 64);  // 255/2 and 255/4, rounded half up
  const auto& special = out[1][0].stats;
  EXPECT_EQ(special.busy_cycles, 4u);
  EXPECT_EQ(special.stall_decoder, 1u);
  EXPECT_EQ(special.markers, 1u);
  EXPECT_EQ(special.cycles, 8u);
  const auto& tag = out[2][0].stats;
  EXPECT_EQ(tag.busy_cycles, 4u);
  EXPECT_EQ(tag.stall_cycles(), 0u);
  EXPECT_EQ(tag.cycles, 7u);
  EXPECT_EQ(out[1][0].acc, out[2][0].acc);
}

// The LFSR SNG: per-lane generators restarted per term; hardware == golden in both views.
TEST(AccelLfsr, MatchesGoldenInBothViews) {
  std::mt19937_64 rng(11);
  std::vector<RandomLayer> layers;
  for (int i = 0; i < 3; ++i) layers.push_back(test::random_layer(rng, code_of(i == 2 ? Format::linear : Format::tag), 3, 25, 16));
  auto per_cycle = config_of(16, 4);
  per_cycle.array.sng = SngKind::lfsr;
  per_cycle.array.seed = 77;
  const auto out = test::run_layers({per_cycle}, layers);
  const auto fast = test::fast_layers(per_cycle, layers);
  for (size_t i = 0; i < layers.size(); ++i) {
    const PassResult golden = test::golden_of(layers[i], per_cycle.array);
    EXPECT_EQ(out[0][i].acc, golden.acc) << "layer " << i;
    EXPECT_EQ(fast[i].acc, golden.acc) << "layer " << i;
    EXPECT_TRUE(out[0][i].stats == fast[i].stats);
  }
}

// A malformed image (its metadata promises 10 weights; the words hold 3 and zero padding) is the
// same error, with the same position, in both views: both decode it through models::DecoderCore.
class AccelMalformed : public ::testing::TestWithParam<int> {};

TEST_P(AccelMalformed, SameStreamErrorInEveryView) {
  RandomLayer L;
  L.code = code_of(Format::lq);
  L.words.add({1});
  L.words.add({2});
  L.words.add({3});
  L.stream = pack_stream(L.words, L.code);
  L.rows = 1;
  L.cols = 10;
  L.acts.assign(4 * 10, 100);
  auto config = config_of(4, 1);
  bool started = false;
  std::string message;
  try {
    if (GetParam() == 1) {
      PassJob job = test::job_of(L, 4);
      job.weight_count = 10;
      FastExecutor(config.array, config.fields_per_cycle, config.fifo_depth).run(job);
      ADD_FAILURE() << "the pass completed";
    } else
    tb::run_passes(
        {config},
        [&](tb::StepJobs& step) {
          if (started) return false;
          step.jobs[0] = test::job_of(L, 4);
          step.jobs[0].weight_count = 10;
          started = true;
          return true;
        },
        [&](size_t, const std::vector<int64_t>&, const hw::PassStats&) { ADD_FAILURE() << "the pass completed"; });
  } catch (const StreamError& e) {  // an input error (exit 2) in both views, not a SystemC report
    message = e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a StreamError: " << e.what();
  }
  // 32-bit word: fields 0..5 (3 weights, 3 zero codes of padding), then no further whole field.
  EXPECT_NE(message.find("weight memory"), std::string::npos) << message;
  EXPECT_NE(message.find("field 6, bit offset 30"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(Views, AccelMalformed, ::testing::Values(0, 1), [](const auto& info) {
  return std::string(info.param == 0 ? "per_cycle" : "fast_whole_pass");
});

// What no hardware word or activation can be is refused at the start of a pass, in every view:
// bits above W in a memory word, an activation of N bits or more.
class AccelJobChecks : public ::testing::TestWithParam<int> {};

TEST_P(AccelJobChecks, RejectsWideWordsAndActivations) {
  RandomLayer L;
  L.code = code_of(Format::lq);
  L.code.mem_word_bits = 8;
  for (int i = 0; i < 6; ++i) L.words.add({1 + i % 3});
  L.stream = pack_stream(L.words, L.code);
  L.rows = 1;
  L.cols = 6;
  L.acts.assign(6, 255);
  const bool wide_word = GetParam() % 2 == 0;
  if (wide_word)
    L.stream.mem[1] |= 0x100;  // bit 8 of an 8-bit word
  else
    L.acts[3] = 256;  // N = 8
  bool started = false;
  std::string message;
  try {
    if (GetParam() >= 2) {
      FastExecutor(config_of(1, 1).array, 1, 2).run(test::job_of(L, 1));
      ADD_FAILURE() << "the pass ran";
    } else
    tb::run_passes(
        {config_of(1, 1)},
        [&](tb::StepJobs& step) {
          if (started) return false;
          step.jobs[0] = test::job_of(L, 1);
          started = true;
          return true;
        },
        [&](size_t, const std::vector<int64_t>&, const hw::PassStats&) { ADD_FAILURE() << "the pass ran"; });
  } catch (const std::exception& e) {
    message = e.what();
  }
  EXPECT_NE(message.find(wide_word ? "wider than W" : "not an N-bit value"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(Inputs, AccelJobChecks, ::testing::Values(0, 1, 2, 3), [](const auto& info) {
  return std::string(info.param % 2 == 0 ? "word_wider_than_W" : "activation_of_N_bits") +
         (info.param >= 2 ? "_fast" : "_per_cycle");
});
