// The fast view (models::FastExecutor: the pipeline's step functions over whole passes) against
// the per-cycle view (the SystemC accelerator calling the same step functions every cycle): the
// accumulators and every PassStats field agree exactly, pass by pass, on random layers and on the
// shipped model's layers with real activations, for every format and several (P, B,
// fields_per_cycle, W, FIFO depth); and `slqsim run` writes the same reports and dumps in every
// mode. Each TEST is one SystemC elaboration (its own process under ctest).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "models/io/idx.h"
#include "models/nn/net_runner.h"
#include "models/io/onnx_model.h"
#include "models/nn/qnet.h"
#include "tb/scoreboard.h"
#include "tb/systemc_executor.h"
#include "tb/app/options.h"
#include "tests/hw/hw_test_util.h"
#include "tests/tb/cli_test_util.h"

using namespace slq;
namespace fs = std::filesystem;

namespace {

// A micro-architecture point of the sweep.
struct Point {
  const char* name;
  int lanes, bits_per_cycle, fields_per_cycle, mem_word_bits;
  SngKind sng = SngKind::ld;
  int acc_bits = 24;
  double memory_stall_p = 0, fifo_stall_p = 0;  // testbench back-pressure
  int fifo_depth = 2;
};

void PrintTo(const Point& p, std::ostream* os) { *os << p.name; }

// The SystemC accelerator of a point.
hw::AccelConfig config_of(const Point& p) {
  hw::AccelConfig c;
  c.array.lanes = p.lanes;
  c.array.bits_per_cycle = p.bits_per_cycle;
  c.array.acc_bits = p.acc_bits;
  c.array.sng = p.sng;
  c.fields_per_cycle = p.fields_per_cycle;
  c.fifo_depth = p.fifo_depth;
  return c;
}

// The point's testbench back-pressure.
tb::StallSources stalls_of(const Point& p) {
  tb::StallSources s;
  s.memory_probability = p.memory_stall_p;
  s.fifo_probability = p.fifo_stall_p;
  s.seed = 11;
  return s;
}

// Every field by name, so that a failure says which one.
std::string stats_diff(const PassStats& pc, const PassStats& fast, const char* fast_name = "fast") {
  std::ostringstream d;
  auto field = [&](const char* name, uint64_t a, uint64_t b) {
    if (a != b) d << " " << name << ": per-cycle " << a << ", " << fast_name << " " << b << ";";
  };
  field("cycles", pc.cycles, fast.cycles);
  field("busy_cycles", pc.busy_cycles, fast.busy_cycles);
  field("stall_decoder", pc.stall_decoder, fast.stall_decoder);
  field("stall_memory", pc.stall_memory, fast.stall_memory);
  field("stall_fifo", pc.stall_fifo, fast.stall_fifo);
  field("fields", pc.fields, fast.fields);
  field("terms", pc.terms, fast.terms);
  field("markers", pc.markers, fast.markers);
  field("zero_codes", pc.zero_codes, fast.zero_codes);
  field("dropped_terms", pc.dropped_terms, fast.dropped_terms);
  field("memory_reads", pc.memory_reads, fast.memory_reads);
  field("decoder_fifo_full_cycles", pc.decoder_fifo_full_cycles, fast.decoder_fifo_full_cycles);
  field("saturations", pc.saturations, fast.saturations);
  field("lane_busy_cycles", pc.lane_busy_cycles, fast.lane_busy_cycles);
  field("row_handoffs", pc.row_handoffs, fast.row_handoffs);
  if (d.str().empty() && !(pc == fast)) d << " operator== differs on a field this test does not list";
  return d.str();
}

// ---- random layers -----------------------------------------------------------------------

CodeParams code_of(Format f, int mem_word_bits) {
  CodeParams p;
  p.format = f;
  p.max_words = (f == Format::tag || f == Format::special) ? 2 : 1;
  p.mem_word_bits = mem_word_bits;
  return p;
}

// Codes of every exponent 1..2^(b-1)-1 alike: many short terms (1-cycle, e > N dropped), zero
// codes and markers, where the decoder falls behind and stalls; row 1 has no term at all.
test::RandomLayer short_term_layer(std::mt19937_64& rng, CodeParams code, int rows, int cols, int lanes) {
  test::RandomLayer L;
  L.code = code;
  L.rows = rows;
  L.cols = cols;
  const int emax = code.emax_positive();
  const int lin_max = (1 << code.stream_bits) - 1;
  std::uniform_int_distribution<int> e(1, emax), words(1, code.words_limit()), small(0, 7), big(0, lin_max);
  std::bernoulli_distribution neg(0.5), zero(0.15), use_small(0.6);
  for (int i = 0; i < rows * cols; ++i) {
    const bool empty_row = rows > 1 && i / cols == 1;
    if (code.format == Format::linear) {
      const int m = empty_row ? 0 : (use_small(rng) ? small(rng) : big(rng));
      L.words.add({neg(rng) ? -m : m});
      continue;
    }
    if (empty_row || zero(rng)) {
      L.words.add({0});
      continue;
    }
    std::vector<int> w;
    const int n = words(rng);
    for (int k = 0; k < n; ++k) w.push_back(neg(rng) ? -e(rng) : e(rng));
    L.words.add(w);
  }
  L.stream = pack_stream(L.words, code);
  std::uniform_int_distribution<uint32_t> act(0, static_cast<uint32_t>(lin_max));
  L.acts.resize(static_cast<size_t>(lanes) * cols);
  for (size_t i = 0; i < L.acts.size(); ++i) L.acts[i] = i % 5 == 0 ? lin_max : (i % 7 == 0 ? 0 : act(rng));
  return L;
}

class EquivalenceRandom : public ::testing::TestWithParam<std::tuple<Format, Point>> {};

TEST_P(EquivalenceRandom, FastEqualsPerCycle) {
  const auto& [format, point] = GetParam();
  std::mt19937_64 rng(1000 + point.lanes * 31 + point.bits_per_cycle * 7 + point.fields_per_cycle * 3 +
                      point.mem_word_bits + static_cast<int>(format));
  const CodeParams code = code_of(format, point.mem_word_bits);
  std::vector<test::RandomLayer> layers;
  layers.push_back(test::random_layer(rng, code, 3, 17, point.lanes));
  layers.push_back(short_term_layer(rng, code, 4, 23, point.lanes));
  layers.push_back(test::random_layer(rng, code, 1, 1, point.lanes));
  layers.push_back(short_term_layer(rng, code, 2, 40, point.lanes));
  layers.push_back(test::random_layer(rng, code, 6, 9, point.lanes));
  if (point.acc_bits < 24)  // large activations to drive small counters into saturation
    for (auto& L : layers)
      for (auto& a : L.acts) a = 192 + a % 64;

  // The fast view has no testbench stall sources: it is compared with the calm pipeline, and the
  // stalled one (where the point has stall sources) with the golden model.
  const hw::AccelConfig calm = config_of(point);
  const bool with_stalls = stalls_of(point).any();
  const auto out = test::run_layers(with_stalls ? std::vector<hw::AccelConfig>{calm, calm}
                                                : std::vector<hw::AccelConfig>{calm},
                                    layers, {tb::StallSources{}, stalls_of(point)});
  const auto fast = test::fast_layers(calm, layers);
  for (const auto& view : out) ASSERT_EQ(view.size(), layers.size());
  PassStats total;
  for (size_t i = 0; i < layers.size(); ++i) {
    EXPECT_EQ(out[0][i].acc, fast[i].acc) << "fast: accumulators differ, layer " << i;
    EXPECT_TRUE(out[0][i].stats == fast[i].stats) << "fast, layer " << i << ":" << stats_diff(out[0][i].stats, fast[i].stats);
    // Every view is also the golden model's (terms from the quantizer's words, independent of both).
    const PassResult golden = test::golden_of(layers[i], calm.array);
    for (const auto& view : out) {
      EXPECT_EQ(view[i].acc, golden.acc) << "per-cycle differs from the golden model, layer " << i;
      EXPECT_EQ(view[i].stats.saturations, golden.saturations) << "layer " << i;
      EXPECT_EQ(view[i].stats.busy_cycles, golden.term_cycles) << "layer " << i;
    }
    total += out.back()[i].stats;
  }
  // The sweep must reach the cases where the views could part: idle array cycles, and clipping.
  if (point.fields_per_cycle == 1) {  // one field a cycle: zero codes, markers and 1-cycle terms stall
    EXPECT_GT(total.stall_cycles(), 0u) << "no stall cycle: the decoder never fell behind";
  }
  if (point.memory_stall_p > 0) {
    EXPECT_GT(total.stall_memory, 0u);
  }
  if (point.fifo_stall_p > 0) {
    EXPECT_GT(total.stall_fifo, 0u);
  }
  if (point.acc_bits < 24) {
    EXPECT_GT(total.saturations, 0u) << "no counter saturated";
  }
}

const Point kRandomPoints[] = {
    {"P1_B1_F1_W32", 1, 1, 1, 32},
    {"P16_B1_F1_W32", 16, 1, 1, 32},
    {"P16_B2_F2_W16", 16, 2, 2, 16},
    {"P64_B8_F4_W64", 64, 8, 4, 64},
    {"P7_B3_F3_W24", 7, 3, 3, 24},
    {"P32_B1_F2_W13", 32, 1, 2, 13},
    {"P16_B4_F1_W32_lfsr", 16, 4, 1, 32, SngKind::lfsr},
    {"P16_B2_F1_W32_A8_stalls", 16, 2, 1, 32, SngKind::ld, 8, 0.3, 0.2},
    {"P16_B1_F1_W32_depth1", 16, 1, 1, 32, SngKind::ld, 24, 0, 0, 1},  // the decoder's sleep, tightest
    {"P9_B2_F8_W64_depth3", 9, 2, 8, 64, SngKind::ld, 24, 0, 0, 3},
    {"P8_B1_F3_W32_depth1", 8, 1, 3, 32, SngKind::ld, 24, 0, 0, 1},  // several slots, one FIFO entry
};

INSTANTIATE_TEST_SUITE_P(Sweep, EquivalenceRandom,
                         ::testing::Combine(::testing::Values(Format::tag, Format::special, Format::lq, Format::linear),
                                            ::testing::ValuesIn(kRandomPoints)),
                         [](const auto& info) {
                           return std::string(to_string(std::get<0>(info.param))) + "_" + std::get<1>(info.param).name;
                         });

// The smallest case of the sweep's fields_per_cycle > 1 points: one lq weight, so the rest of
// its memory word is padding made of whole fields. The stream is complete after the first slot;
// a second slot in the same cycle must not read the padding as a further weight.
TEST(EquivalenceEdge, StreamEndingInsideAWordWithTwoFieldsPerCycle) {
  test::RandomLayer L;
  L.code = code_of(Format::lq, 32);
  L.rows = 1;
  L.cols = 1;
  L.words.add({2});
  L.stream = pack_stream(L.words, L.code);
  L.acts.assign(4, 200);
  Point point{"P4_B1_F2_W32", 4, 1, 2, 32};
  const auto out = test::run_layers({config_of(point)}, {L});
  const auto fast = test::fast_layers(config_of(point), {L});
  ASSERT_EQ(out[0].size(), 1u);
  EXPECT_EQ(out[0][0].acc, std::vector<int64_t>(4, 50));  // round_half_up(200 / 4)
  EXPECT_EQ(out[0][0].acc, fast[0].acc);
  EXPECT_TRUE(out[0][0].stats == fast[0].stats) << stats_diff(out[0][0].stats, fast[0].stats);
  EXPECT_EQ(out[0][0].stats.fields, 1u);
  EXPECT_EQ(out[0][0].stats.busy_cycles, 64u);
}

// Passes with no term at all (zero weights, and log codes with e > N in special), so the array
// never works: the views agree on a pass that is fill, decoding and the final cycle only.
TEST(EquivalenceEdge, PassesWithoutATerm) {
  std::vector<test::RandomLayer> layers(2);
  layers[0].code = code_of(Format::lq, 32);
  layers[1].code = code_of(Format::special, 16);
  for (size_t k = 0; k < layers.size(); ++k) {
    test::RandomLayer& L = layers[k];
    L.rows = 3;
    L.cols = 7;
    for (int i = 0; i < L.rows * L.cols; ++i)
      L.words.add(k == 0 ? std::vector<int>{0} : std::vector<int>{12, -13});  // e > N = 8: dropped
    L.stream = pack_stream(L.words, L.code);
    L.acts.assign(4 * 7, 77);
  }
  Point point{"P4_B1_F2_W32", 4, 1, 2, 32};
  const auto out = test::run_layers({config_of(point)}, layers);
  const auto fast = test::fast_layers(config_of(point), layers);
  for (size_t i = 0; i < layers.size(); ++i) {
    EXPECT_EQ(out[0][i].stats.terms, 0u);
    EXPECT_EQ(out[0][i].stats.busy_cycles, 0u);
    EXPECT_EQ(out[0][i].stats.row_handoffs, 0u);
    EXPECT_EQ(out[0][i].acc, std::vector<int64_t>(3 * 4, 0));
    EXPECT_EQ(out[0][i].acc, fast[i].acc);
    EXPECT_TRUE(out[0][i].stats == fast[i].stats) << "layer " << i << ":" << stats_diff(out[0][i].stats, fast[i].stats);
  }
  EXPECT_EQ(out[0][1].stats.dropped_terms, 42u);
}

// ---- the shipped model -------------------------------------------------------------------

// Runs every pass of every encoding on a per-cycle accelerator and on the fast view in the same
// step, and records each disagreement; the per-cycle outcome goes on through the network.
class LockstepExecutor : public PassExecutor {
 public:
  LockstepExecutor(std::vector<hw::Accelerator*> per_cycle, const hw::AccelConfig& config)
      : per_cycle_(std::move(per_cycle)), systemc_(per_cycle_), fast_(config.array, config.fields_per_cycle, config.fifo_depth) {}
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override {
    systemc_.execute(requests, outs);
    for (size_t i = 0; i < requests.size(); ++i) {
      const PassOutcome fast = fast_.run(pass_job_of(requests[i]));
      const std::string where = "fast, " + requests[i].layer->name + " pass " + std::to_string(passes_);
      if (fast.acc != outs[i].acc) failures.push_back(where + ": accumulators differ");
      if (!(fast.stats == outs[i].stats)) failures.push_back(where + ":" + stats_diff(outs[i].stats, fast.stats));
      total += outs[i].stats;
    }
    ++passes_;
  }
  std::vector<std::string> failures;
  PassStats total;
  uint64_t passes() const { return passes_; }

 private:
  std::vector<hw::Accelerator*> per_cycle_;
  tb::SystemcExecutor systemc_;
  FastExecutor fast_;
  uint64_t passes_ = 0;
};

class EquivalenceModel : public ::testing::TestWithParam<Point> {};

// `count` test images of `model` through all four encodings: every pass of every layer, both views.
PassStats expect_fast_equals_per_cycle(const std::string& model, const Point& point, size_t count) {
  tb::Options o;
  o.lanes = point.lanes;
  o.bits_per_cycle = point.bits_per_cycle;
  o.fields_per_cycle = point.fields_per_cycle;
  o.mem_word_bits = point.mem_word_bits;
  o.validate();
  const Network net = load_onnx(model);
  const Dataset images = load_fashion_mnist(kFashionMnistDir, false, count);
  const Dataset train = load_fashion_mnist(kFashionMnistDir, true, 16);
  EXPECT_EQ(images.size(), count);
  const Calibration cal = calibrate(net, train, train.size(), o.stream_bits, o.calibration_percentile);
  std::vector<EncodingRun> runs = o.encoding_runs(net);
  EXPECT_EQ(runs.size(), 4u);
  std::vector<hw::Accelerator*> per_cycle;  // alive to the end of the process
  for (const EncodingRun& r : runs)
    per_cycle.push_back(new hw::Accelerator((r.name + "_per_cycle").c_str(), config_of(point)));
  NetworkRunner runner(net, cal, o.array(), runs, false);
  LockstepExecutor exec(per_cycle, config_of(point));
  tb::run_in_simulation([&] { runner.run_batch(images, 0, images.size(), exec); });
  for (const std::string& f : exec.failures) ADD_FAILURE() << f;
  EXPECT_GT(exec.passes(), 0u);
  EXPECT_GT(exec.total.busy_cycles, 0u);
  return exec.total;
}

// Two test images of the shipped LeNet through all four encodings: every pass of every layer, both views.
TEST_P(EquivalenceModel, FastEqualsPerCycleOnEveryPass) {
  const PassStats total = expect_fast_equals_per_cycle(test::kModel, GetParam(), 2);
  // The shipped model has short terms: the decoder does fall behind, so stalls are compared too.
  EXPECT_GT(total.stall_cycles(), 0u);
}

// The residual model: grouped (depthwise) convolutions run one stream per group, pass by pass.
TEST(EquivalenceResnet, FastEqualsPerCycleOnEveryPass) {
  expect_fast_equals_per_cycle(std::string(SLQSIM_SOURCE_DIR) + "/data/resnet_fmnist.onnx", {"P16", 16, 1, 1, 32}, 1);
}

const Point kModelPoints[] = {
    {"P16_B1_F1_W32", 16, 1, 1, 32},
    {"P8_B2_F2_W16", 8, 2, 2, 16},
    {"P32_B4_F1_W64", 32, 4, 1, 64},
    {"P5_B8_F3_W24", 5, 8, 3, 24},
};

INSTANTIATE_TEST_SUITE_P(Lenet, EquivalenceModel, ::testing::ValuesIn(kModelPoints),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- the slqsim binary -------------------------------------------------------------------

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("slqsim_test_equivalence") {}
};

// `slqsim run` in both timed modes: summary.json (but the mode itself), layers.csv and every dump
// are byte for byte the same (--reproducible writes sim_wall_seconds as null).
void expect_same_run(const std::string& flags) {
  TempDir dir;
  for (const char* mode : {"fast", "per-cycle"}) {
    const std::string m = mode;
    const test::Result r = test::slqsim(dir, "run --model '" + test::kModel + "' --images 3 --reproducible " + flags +
                                                 " --sim-mode " + m + " --report-dir '" + dir / ("r_" + m) +
                                                 "' --dump-dir '" + dir / ("d_" + m) + "'");
    ASSERT_EQ(r.exit_code, 0) << mode << ": " << r.err;
  }
  nlohmann::json a = nlohmann::json::parse(test::read_text(dir / "r_fast/summary.json"));
  nlohmann::json b = nlohmann::json::parse(test::read_text(dir / "r_per-cycle/summary.json"));
  EXPECT_EQ(a["config"]["sim_mode"], "fast");
  EXPECT_EQ(b["config"]["sim_mode"], "per-cycle");
  a["config"].erase("sim_mode");
  b["config"].erase("sim_mode");
  EXPECT_EQ(a, b) << "summary.json differs beyond sim_mode";
  for (const auto& e : a["encodings"]) {
    EXPECT_TRUE(e["sim_wall_seconds"].is_null());
    EXPECT_GT(e["cycles_total"].get<uint64_t>(), 0u);
  }
  EXPECT_EQ(test::read_text(dir / "r_fast/layers.csv"), test::read_text(dir / "r_per-cycle/layers.csv"));
  // The golden view counts the same actions: the same energies (its cycles are left out).
  const test::Result m = test::slqsim(dir, "run --model '" + test::kModel + "' --images 3 --reproducible " + flags +
                                               " --sim-mode model --report-dir '" + dir / "r_model" + "'");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const nlohmann::json c = nlohmann::json::parse(test::read_text(dir / "r_model/summary.json"));
  for (size_t e = 0; e < a["encodings"].size(); ++e) {
    EXPECT_EQ(c["encodings"][e]["energy_pj_per_image"], a["encodings"][e]["energy_pj_per_image"]);
    EXPECT_EQ(c["encodings"][e]["energy_pj_per_image_by_component"], a["encodings"][e]["energy_pj_per_image_by_component"]);
    EXPECT_EQ(c["encodings"][e]["area_um2"], a["encodings"][e]["area_um2"]);
    EXPECT_TRUE(c["encodings"][e]["energy_delay_product_pj_ns"].is_null());
  }
  EXPECT_EQ(c["binary_baseline"], a["binary_baseline"]);
  size_t dumps = 0;
  for (const auto& entry : fs::directory_iterator(dir / "d_fast")) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(test::read_text(entry.path().string()), test::read_text(dir / ("d_per-cycle/" + name))) << name;
    ++dumps;
  }
  EXPECT_EQ(dumps, 16u) << "4 encodings x 4 layers of accumulator dumps";
}

TEST(EquivalenceRun, DefaultConfigurationSameReports) { expect_same_run(""); }

TEST(EquivalenceRun, OtherConfigurationSameReports) {
  expect_same_run("--lanes 8 --bits-per-cycle 2 --fields-per-cycle 2 --mem-word-bits 16");
}

}  // namespace
