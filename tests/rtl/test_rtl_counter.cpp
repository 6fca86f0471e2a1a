// RTL term down-counter against hw::Controller, cycle by cycle (docs/rtl.md). rtl/term_counter.sv,
// Verilated (one model per B), runs beside slqsim's hw::Controller (with its TermFifo, MacArray and
// OutputStage) on the same clock. The testbench plays the decoder: it writes random terms into the
// FIFO (random gaps, log and linear terms, rows of random length), drives a random registered
// decoder status and, once every term is written, done; the FIFO's output is held back at random
// (tb::RandomStalls, one copy per side with the same seed, each drawn when its controller looks at a
// valid head). Every cycle it compares what the controller observed (CycleObservation: busy, term
// started, done, stall cause, down-counter) with the RTL's registers. The first mismatch stops the
// run and names the pass, the cycle, the signal and both values.
//
// Time as in test_rtl.cpp: clock edge S + c is the controller's cycle c (its process runs at that
// edge); the testbench drives cycle c's inputs half a period before and compares half a period
// after.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <sstream>

#include <systemc>

#include "tests/rtl/rtl_cosim.h"
#include "hw/array/mac_array.h"
#include "hw/controller/controller.h"
#include "hw/fifo/term_fifo.h"
#include "hw/output/output_stage.h"
#include "tb/stall_sources.h"

#include "Vcnt_b1.h"
#include "Vcnt_b3.h"
#include "Vcnt_b4.h"

namespace {

using slq::StallCause;
using slq::Term;

const sc_core::sc_time kPeriod(1000, sc_core::SC_PS);
constexpr int kN = 8;
constexpr int kLanes = 2;
constexpr int kCols = 7;
constexpr int kCountBits = kN + 1;  // rtl/term_counter.sv CW
constexpr uint64_t kMaxCycles = 400000;

struct CounterResult {
  std::string mismatch;
  uint64_t cycles = 0, terms = 0, passes = 0, busy = 0, holds = 0;
  uint64_t stalls[4] = {};  // cycles per StallCause
};

struct Frame {
  slq::hw::PassContext ctx;
  explicit Frame(const slq::hw::AccelConfig& config) {
    ctx.config = &config;
    ctx.period = kPeriod;
  }
};

template <class Model>
class CounterBench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(CounterBench);
  CounterBench(sc_core::sc_module_name name, const slq::hw::AccelConfig& config, int passes, uint64_t seed)
      : sc_module(name), config_(config), frame_(config_), ctx_(frame_.ctx), fifo_("fifo", config.fifo_depth),
        array_("array", ctx_), output_("output", ctx_), controller_("controller", ctx_, fifo_, array_, output_),
        clk_("clk", kPeriod), rtl_("rtl"), passes_(passes), rng_(seed) {
    controller_.decoder_status(sc_status_);
    controller_.decoder_done(sc_done_);
    controller_.set_cycle_observer([this](const slq::hw::CycleObservation& o) { observed_.push_back(o); });
    rtl_.clk(clk_);
    rtl_.rst(rst_);
    rtl_.start(start_);
    rtl_.term_valid(term_valid_);
    rtl_.held(held_);
    rtl_.nbits(nbits_);
    rtl_.decoder_status(status_);
    rtl_.decoder_done(done_);
    rtl_.pop(pop_);
    rtl_.busy(busy_);
    rtl_.finish(finish_);
    rtl_.stall(stall_);
    rtl_.count(count_);
    rtl_.free(free_);
    SC_THREAD(run);
  }
  CounterResult result;

 private:
  template <class A, class B>
  bool differ(uint64_t c, std::string_view signal, const A& rtl, const B& sysc) {
    return slq::rtl_cosim::differ(result.mismatch, int64_t(pass_), c, signal, rtl, sysc);
  }

  void run() {
    wait(kPeriod / 2);
    rst_.write(true);
    wait(kPeriod);
    rst_.write(false);
    for (pass_ = 0; pass_ < passes_; ++pass_) {
      if (!run_pass()) break;
      ++result.passes;
    }
    sc_core::sc_stop();
  }

  // Called at a falling edge; returns at a falling edge.
  bool run_pass() {
    // The pass: rows of random length, terms of random length and sign, random weights in order.
    std::uniform_int_distribution<int> rows(1, 40), exponent(0, kN - 1), magnitude(1, (1 << kN) - 1),
        statuses(0, 5);
    std::uniform_real_distribution<double> unit(0, 1);
    const int row_count = rows(rng_);
    std::vector<Term> terms;
    for (int r = 0; r < row_count; ++r) {
      const int per_row = std::uniform_int_distribution<int>(0, 12)(rng_);
      for (int k = 0; k < per_row; ++k) {
        Term t;
        t.weight = static_cast<uint32_t>(r * kCols + std::uniform_int_distribution<int>(0, kCols - 1)(rng_));
        t.sign = unit(rng_) < 0.5 ? 1 : -1;
        // Log terms (2^(N-e) bits) and linear ones (1 to 2^N - 1 bits); short ones often, so that
        // the FIFO runs dry and the controller looks at its head every few cycles.
        const double kind = unit(rng_);
        t.nbits = kind < 0.4 ? 1u << (kN - exponent(rng_)) : kind < 0.6 ? static_cast<uint32_t>(magnitude(rng_))
                                                                       : 1u + static_cast<uint32_t>(rng_() % 6);
        terms.push_back(t);
      }
    }
    std::sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) { return a.weight < b.weight; });
    const double push_p = 0.2 + 0.8 * unit(rng_);
    slq::tb::StallSources holds;
    holds.fifo_probability = pass_ % 3 == 0 ? 0.0 : 0.4 * unit(rng_);
    holds.seed = rng_();
    sc_stalls_ = std::make_unique<slq::tb::RandomStalls>(holds);
    rtl_stalls_ = std::make_unique<slq::tb::RandomStalls>(holds);
    ctx_.stalls = sc_stalls_.get();
    acts_.assign(static_cast<size_t>(kLanes) * kCols, 0);
    for (auto& a : acts_) a = static_cast<uint32_t>(rng_() % (1u << kN));
    ctx_.job.acts = &acts_;
    ctx_.job.cols = kCols;
    ctx_.job.rows = row_count;
    ctx_.job.weight_count = static_cast<uint64_t>(row_count) * kCols;

    start_.write(true);
    wait(kPeriod);  // the RTL's begin_pass at the edge in between
    start_.write(false);
    ctx_.start = sc_core::sc_time_stamp() + kPeriod / 2;  // edge S: cycle 0
    array_.begin_pass(row_count);
    output_.begin_pass(row_count);
    controller_.begin_pass();
    ctx_.start_event.notify(kPeriod / 2);
    observed_.clear();
    std::deque<Term> queue;  // what the FIFO holds (committed by the next edge)
    size_t written = 0;
    bool done = false;
    for (uint64_t c = 0; c < kMaxCycles; ++c) {
      // The decoder's side of cycle c - 1: a term written now is valid from cycle c on.
      if (written < terms.size() && fifo_.num_free() > 0 && unit(rng_) < push_p) {
        slq::hw::TermToken token;
        token.term = terms[written++];
        fifo_.nb_write(token);
        queue.push_back(token.term);
      }
      if (written == terms.size() && unit(rng_) < 0.3) done = true;
      const uint8_t status = done ? 5 : static_cast<uint8_t>(statuses(rng_));
      sc_status_.write(status);
      sc_done_.write(done);
      status_.write(status);
      done_.write(done);
      const bool valid = !queue.empty();
      term_valid_.write(valid);
      nbits_.write(valid ? queue.front().nbits : 0u);
      const bool held = valid && free_.read() && rtl_stalls_->hold_fifo_output();
      held_.write(held);
      result.holds += held;
      wait(kPeriod);  // edge S + c: both do cycle c; then half a period
      ++result.cycles;
      if (differ(c, "SystemC observations this cycle", observed_.size(), size_t{1})) return false;
      const slq::hw::CycleObservation o = observed_.front();
      observed_.clear();
      if (differ(c, "cycle of the SystemC observation", o.cycle, c)) return false;
      if (differ(c, "busy", busy_.read(), o.busy)) return false;
      if (differ(c, "term started (FIFO pop)", pop_.read(), o.term_started)) return false;
      if (differ(c, "pass done", finish_.read(), o.done)) return false;
      if (differ(c, "stall cause", static_cast<int>(stall_.read().to_uint()), static_cast<int>(o.stall))) return false;
      if (differ(c, "down-counter", count_.read().to_uint64(), o.down_counter)) return false;
      result.busy += o.busy;
      ++result.stalls[static_cast<int>(o.stall)];
      if (o.term_started) {
        if (differ(c, "weight of the started term", o.term.weight, queue.front().weight)) return false;
        queue.pop_front();
        ++result.terms;
      }
      if (o.done) {
        if (differ(c, "terms left at the end of the pass", queue.size() + terms.size() - written, size_t{0}))
          return false;
        return true;
      }
    }
    result.mismatch = "pass " + std::to_string(pass_) + ": no end within the cycle limit";
    return false;
  }

  slq::hw::AccelConfig config_;
  Frame frame_;
  slq::hw::PassContext& ctx_;
  slq::hw::TermFifo fifo_;
  slq::hw::MacArray array_;
  slq::hw::OutputStage output_;
  slq::hw::Controller controller_;
  sc_core::sc_clock clk_;
  Model rtl_;
  sc_core::sc_signal<uint8_t> sc_status_{"sc_status"};
  sc_core::sc_signal<bool> sc_done_{"sc_done"};
  sc_core::sc_signal<bool> rst_{"rst"}, start_{"start"}, term_valid_{"term_valid"}, held_{"held"}, done_{"done"};
  sc_core::sc_signal<sc_dt::sc_bv<kN + 1>> nbits_{"nbits"};
  sc_core::sc_signal<sc_dt::sc_bv<3>> status_{"status"};
  sc_core::sc_signal<bool> pop_{"pop"}, busy_{"busy"}, finish_{"finish"}, free_{"free"};
  sc_core::sc_signal<sc_dt::sc_bv<2>> stall_{"stall"};
  sc_core::sc_signal<sc_dt::sc_bv<kCountBits>> count_{"count"};
  std::vector<slq::hw::CycleObservation> observed_;
  std::unique_ptr<slq::tb::RandomStalls> sc_stalls_, rtl_stalls_;
  std::vector<uint32_t> acts_;
  int passes_;
  int pass_ = 0;
  std::mt19937_64 rng_;
};

template <class Model, int B, int Depth>
CounterResult run_counter() {
  slq::hw::AccelConfig config;
  config.array.lanes = kLanes;
  config.array.bits_per_cycle = B;
  config.array.acc_bits = 16;
  config.array.stream_bits = kN;
  config.fifo_depth = Depth;
  auto* bench = new CounterBench<Model>("bench", config, 40, 17 + B * 5 + Depth);
  sc_core::sc_start();
  return bench->result;
}

struct CounterCase {
  const char* name;
  CounterResult (*run)();
};
const CounterCase kCounterCases[] = {
    {"B1_depth2", run_counter<Vcnt_b1, 1, 2>},
    {"B3_depth1", run_counter<Vcnt_b3, 3, 1>},
    {"B4_depth2", run_counter<Vcnt_b4, 4, 2>},
    {"B4_depth4", run_counter<Vcnt_b4, 4, 4>},
};

class RtlTermCounter : public ::testing::TestWithParam<int> {};

}  // namespace

TEST_P(RtlTermCounter, MatchesControllerEveryCycle) {
  const CounterCase& m = kCounterCases[GetParam()];
  const CounterResult r = m.run();
  ASSERT_EQ(r.mismatch, "") << m.name;
  EXPECT_EQ(r.passes, 40u);
  EXPECT_GT(r.holds, 0u);
  for (int s = 1; s < 4; ++s) EXPECT_GT(r.stalls[s], 0u) << "stall cause " << s << " never seen";
  std::cout << m.name << ": " << r.cycles << " cycles, " << r.terms << " terms, " << r.busy << " busy, stalls "
            << r.stalls[1] << " decoder / " << r.stalls[2] << " memory / " << r.stalls[3] << " fifo\n";
}

INSTANTIATE_TEST_SUITE_P(B, RtlTermCounter, ::testing::Range(0, static_cast<int>(std::size(kCounterCases))),
                         [](const auto& info) { return std::string(kCounterCases[info.param].name); });
