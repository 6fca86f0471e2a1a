// RTL SC MAC lanes against hw::MacArray, cycle by cycle (docs/rtl.md). rtl/sc_mac_lane.sv,
// Verilated (one model per SNG, B and A), one instance per lane, is driven with what the
// controller does to the array in each cycle: clear (a new output row), begin a term, one array
// cycle of B stream bits, end the term; hw::MacArray gets the same calls. After every clock edge
// the testbench compares each lane's counter with MacArray::accumulators(), and at the end of
// each term the lanes that clipped with MacArray::saturations(). The first difference stops the
// run and names the cycle, the lane, the signal and both values.
//
// MacArray has no clock of its own (the controller's process calls it); the testbench calls it
// for cycle c half a period before the edge at which the RTL does cycle c, and compares half a
// period after.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <sstream>

#include <systemc>

#include "tests/rtl/rtl_cosim.h"
#include "hw/array/mac_array.h"

#include "Vlane_ld_b1_a12.h"
#include "Vlane_ld_b4_a16.h"
#include "Vlane_lfsr_b1_a12.h"
#include "Vlane_lfsr_b4_a16.h"

namespace {

using slq::SngKind;
using slq::Term;

const sc_core::sc_time kPeriod(1000, sc_core::SC_PS);
constexpr int kN = 8;
constexpr int kLanes = 2;
constexpr int kCols = 13;

struct LaneResult {
  std::string mismatch;
  uint64_t cycles = 0, terms = 0, saturations = 0, rows = 0;
};

// A PassContext for a block outside an Accelerator, set up before the block is constructed.
struct Frame {
  slq::hw::PassContext ctx;
  explicit Frame(const slq::hw::AccelConfig& config) {
    ctx.config = &config;
    ctx.period = kPeriod;
  }
};

template <class Model, int A>
class LaneBench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(LaneBench);
  LaneBench(sc_core::sc_module_name name, const slq::hw::AccelConfig& config, int terms, uint64_t seed)
      : sc_module(name), config_(config), frame_(config_), ctx_(frame_.ctx), array_("array", ctx_),
        clk_("clk", kPeriod), terms_(terms), rng_(seed) {
    for (int lane = 0; lane < kLanes; ++lane) {
      lanes_[lane] = std::make_unique<Model>(("lane" + std::to_string(lane)).c_str());
      Model& m = *lanes_[lane];
      m.clk(clk_);
      m.rst(rst_);
      m.clear(clear_);
      m.load(load_);
      m.act(act_[lane]);
      m.negative(negative_);
      m.nbits(nbits_);
      m.seed(seed_[lane]);
      m.step(step_);
      m.acc(acc_[lane]);
      m.clipped(clipped_[lane]);
    }
    SC_THREAD(run);
  }
  LaneResult result;

 private:
  bool differ(uint64_t c, std::string_view signal, int64_t rtl, int64_t sysc) {
    return slq::rtl_cosim::differ(result.mismatch, -1, c, signal, rtl, sysc);
  }

  void run() {
    std::uniform_int_distribution<uint32_t> act(0, (1u << kN) - 1);
    acts_.resize(static_cast<size_t>(kLanes) * kCols);
    for (auto& a : acts_) a = act(rng_);
    ctx_.job.acts = &acts_;
    ctx_.job.cols = kCols;
    ctx_.job.rows = 1000;
    array_.begin_pass(ctx_.job.rows);
    const slq::SngBank sng(config_.array);
    wait(kPeriod / 2);
    rst_.write(true);
    wait(kPeriod);
    rst_.write(false);
    std::bernoulli_distribution idle(0.15), log_term(0.5), long_row(0.2);
    std::uniform_int_distribution<int> exponent(1, kN), magnitude(1, (1 << kN) - 1), row_length(1, 40),
        column(0, kCols - 1);
    uint32_t remaining = 0;  // array cycles left in the open term
    int row_left = 0;
    double positive = 0.5;
    uint64_t sat_before = 0;
    for (uint64_t c = 0;; ++c) {
      // Cycle c, as the controller would drive it.
      bool clear = false, load = false, step = false, ends = false;
      Term term;
      if (remaining > 0) {
        step = true;
        array_.step_cycle();
        ends = --remaining == 0;
      } else if (result.terms < static_cast<uint64_t>(terms_) && !idle(rng_)) {
        if (row_left == 0) {  // a new output row
          clear = true;
          array_.clear();
          ++result.rows;
          const bool is_long = long_row(rng_);
          row_left = is_long ? 1000 : row_length(rng_);
          positive = is_long ? (std::bernoulli_distribution(0.5)(rng_) ? 0.97 : 0.03) : 0.5;
        }
        --row_left;
        term.weight = static_cast<uint32_t>(column(rng_));
        term.sign = std::bernoulli_distribution(positive)(rng_) ? 1 : -1;
        // Long rows (all terms of one sign) take long terms, to drive the counters into clipping.
        const int e = positive != 0.5 ? std::min(exponent(rng_), 2) : exponent(rng_);
        const uint32_t m = static_cast<uint32_t>(magnitude(rng_)) | (positive != 0.5 ? 0x80u : 0u);
        term.nbits = log_term(rng_) ? 1u << (kN - e) : m;
        array_.begin_term(term);
        array_.step_cycle();
        load = step = true;
        remaining = (term.nbits + config_.array.bits_per_cycle - 1) / config_.array.bits_per_cycle - 1;
        ends = remaining == 0;
        ++result.terms;
      }
      if (ends) array_.end_term();
      const std::vector<int64_t> expected = array_.accumulators();
      const uint64_t sat_now = array_.saturations();
      clear_.write(clear);
      load_.write(load);
      step_.write(step);
      if (load) {
        negative_.write(term.sign < 0);
        nbits_.write(static_cast<uint64_t>(term.nbits));
        for (int lane = 0; lane < kLanes; ++lane) {
          act_[lane].write(static_cast<uint64_t>(acts_[static_cast<size_t>(lane) * kCols + term.weight]));
          seed_[lane].write(static_cast<uint64_t>(config_.array.sng == SngKind::lfsr ? sng.lane_seed(lane) : 0));
        }
      }
      wait(kPeriod);  // the RTL's edge for cycle c, then half a period
      ++result.cycles;
      for (int lane = 0; lane < kLanes; ++lane) {
        uint64_t raw = acc_[lane].read().to_uint64();
        const int64_t rtl = (raw >> (A - 1)) & 1 ? static_cast<int64_t>(raw) - (int64_t{1} << A) : static_cast<int64_t>(raw);
        if (differ(c, "lane " + std::to_string(lane) + " counter", rtl, expected[lane])) return stop();
      }
      if (ends) {
        int clipped = 0;
        for (int lane = 0; lane < kLanes; ++lane) clipped += clipped_[lane].read();
        if (differ(c, "lanes that clipped in the term", clipped, static_cast<int64_t>(sat_now - sat_before)))
          return stop();
        result.saturations += sat_now - sat_before;
        sat_before = sat_now;
      }
      if (remaining == 0 && result.terms >= static_cast<uint64_t>(terms_)) return stop();
    }
  }
  void stop() { sc_core::sc_stop(); }

  slq::hw::AccelConfig config_;
  Frame frame_;
  slq::hw::PassContext& ctx_;
  slq::hw::MacArray array_;
  sc_core::sc_clock clk_;
  std::unique_ptr<Model> lanes_[kLanes];
  sc_core::sc_signal<bool> rst_{"rst"}, clear_{"clear"}, load_{"load"}, negative_{"negative"}, step_{"step"};
  sc_core::sc_signal<sc_dt::sc_bv<kN + 1>> nbits_{"nbits"};
  sc_core::sc_signal<sc_dt::sc_bv<kN>> act_[kLanes], seed_[kLanes];
  sc_core::sc_signal<sc_dt::sc_bv<A>> acc_[kLanes];
  sc_core::sc_signal<bool> clipped_[kLanes];
  std::vector<uint32_t> acts_;
  int terms_;
  std::mt19937_64 rng_;
};

template <class Model, SngKind S, int B, int A>
LaneResult run_lane() {
  slq::hw::AccelConfig config;
  config.array.lanes = kLanes;
  config.array.bits_per_cycle = B;
  config.array.acc_bits = A;
  config.array.stream_bits = kN;
  config.array.sng = S;
  config.array.seed = 11;
  auto* bench = new LaneBench<Model, A>("bench", config, 3000, 3 + B + A);
  sc_core::sc_start();
  return bench->result;
}

struct LaneCase {
  const char* name;
  LaneResult (*run)();
};
const LaneCase kLaneCases[] = {
    {"ld_B1_A12", run_lane<Vlane_ld_b1_a12, SngKind::ld, 1, 12>},
    {"ld_B4_A16", run_lane<Vlane_ld_b4_a16, SngKind::ld, 4, 16>},
    {"lfsr_B1_A12", run_lane<Vlane_lfsr_b1_a12, SngKind::lfsr, 1, 12>},
    {"lfsr_B4_A16", run_lane<Vlane_lfsr_b4_a16, SngKind::lfsr, 4, 16>},
};

class RtlMacLane : public ::testing::TestWithParam<int> {};

}  // namespace

TEST_P(RtlMacLane, MatchesMacArrayEveryCycle) {
  const LaneCase& m = kLaneCases[GetParam()];
  const LaneResult r = m.run();
  ASSERT_EQ(r.mismatch, "") << m.name;
  EXPECT_EQ(r.terms, 3000u);
  EXPECT_GT(r.rows, 10u);
  EXPECT_GT(r.saturations, 0u) << "the runs must clip the counters";
  std::cout << m.name << ": " << r.cycles << " cycles, " << r.terms << " terms, " << r.saturations
            << " lane-terms clipped\n";
}

INSTANTIATE_TEST_SUITE_P(Sng, RtlMacLane, ::testing::Range(0, static_cast<int>(std::size(kLaneCases))),
                         [](const auto& info) { return std::string(kLaneCases[info.param].name); });
