// RTL SLQ encoder against slqsim's SlqEncoder, cycle by cycle (docs/rtl.md). rtl/slq_encoder.sv,
// Verilated (one model per b), runs beside hw/encoder's SlqEncoder on the same clock. The
// testbench writes random Q1.15 weights into the encoder's input FIFO (random gaps; Laplace-like,
// with zeros, tiny and near-full-scale values) and reads its output FIFO at random (random back-
// pressure); the RTL gets the same weights and the same consumer decisions through queues that
// mirror the FIFOs. Every cycle it compares whether each read a weight (and which), the word each
// wrote (whether, code, last), and what the consumer got; at the end the busy and stall cycle
// counts. The first mismatch stops the run and names the cycle, the signal and both values.
//
// Time: the encoder acts at clock edges (EncoderClock, edge c at c periods); the testbench writes
// and reads the FIFOs and drives the RTL at falling edges, compares at the falling edge after.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <memory>
#include <random>
#include <sstream>

#include <systemc>

#include "tests/rtl/rtl_cosim.h"
#include "hw/encoder/slq_encoder.h"
#include "models/quant/slq_encoder_model.h"

#include "Venc_b4.h"
#include "Venc_b5.h"
#include "Venc_b6.h"

namespace {

using slq::EncodedWord;
using slq::Format;

const sc_core::sc_time kPeriod(1, sc_core::SC_NS);

struct EncResult {
  std::string mismatch;
  uint64_t cycles = 0, weights = 0, words = 0, stalls = 0, last_words = 0, multi_word = 0;
};

// FIFOs that record what the encoder reads and writes, with the cycle.
class InFifo : public sc_core::sc_fifo<int16_t> {
 public:
  explicit InFifo(int depth) : sc_core::sc_fifo<int16_t>("in_fifo", depth) {}
  bool nb_read(int16_t& v) override {
    const bool ok = sc_core::sc_fifo<int16_t>::nb_read(v);
    if (ok) reads.push_back({sc_core::sc_time_stamp().value() / kPeriod.value(), v});
    return ok;
  }
  std::vector<std::pair<uint64_t, int16_t>> reads;
};
class OutFifo : public sc_core::sc_fifo<EncodedWord> {
 public:
  explicit OutFifo(int depth) : sc_core::sc_fifo<EncodedWord>("out_fifo", depth) {}
  bool nb_write(const EncodedWord& w) override {
    writes.push_back({sc_core::sc_time_stamp().value() / kPeriod.value(), w});
    return sc_core::sc_fifo<EncodedWord>::nb_write(w);
  }
  std::vector<std::pair<uint64_t, EncodedWord>> writes;
};

template <class Model, int B>
class EncBench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(EncBench);
  EncBench(sc_core::sc_module_name name, const slq::EncoderConfig& config, int weights, int in_depth, int out_depth,
           uint64_t seed)
      : sc_module(name), lq_(slq::make_logquant_config(config.code)), in_fifo_(in_depth), out_fifo_(out_depth),
        encoder_("encoder", config), clk_("clk", kPeriod), rtl_("rtl"), weights_(weights), out_depth_(out_depth),
        rng_(seed) {
    encoder_.in(in_fifo_);
    encoder_.out(out_fifo_);
    rtl_.clk(clk_);
    rtl_.rst(rst_);
    rtl_.cfg_words_limit(cfg_words_limit_);
    rtl_.cfg_theta(cfg_theta_);
    rtl_.cfg_emax_pos(cfg_emax_pos_);
    rtl_.cfg_emax_neg(cfg_emax_neg_);
    rtl_.cfg_nzmin_pos(cfg_nzmin_pos_);
    rtl_.cfg_nzmin_neg(cfg_nzmin_neg_);
    rtl_.in_valid(in_valid_);
    rtl_.in_data(in_data_);
    rtl_.out_ready(out_ready_);
    rtl_.in_pop(in_pop_);
    rtl_.out_valid(out_valid_);
    rtl_.out_code(out_code_);
    rtl_.out_last(out_last_);
    rtl_.stalled(stalled_);
    SC_THREAD(run);
  }
  EncResult result;

 private:
  template <class A, class C>
  bool differ(uint64_t c, std::string_view signal, const A& rtl, const C& sysc) {
    return slq::rtl_cosim::differ(result.mismatch, -1, c, signal, rtl, sysc);
  }
  static int code_of(uint64_t raw) { return (raw >> (B - 1)) & 1 ? static_cast<int>(raw) - (1 << B) : static_cast<int>(raw); }

  int16_t random_weight() {
    std::uniform_real_distribution<double> unit(0, 1);
    const double kind = unit(rng_);
    if (kind < 0.1) return 0;
    if (kind < 0.2) return static_cast<int16_t>(static_cast<int>(rng_() % 9) - 4);  // tiny: rounds to zero
    if (kind < 0.25) return unit(rng_) < 0.5 ? int16_t{-32768} : int16_t{32767};
    const double x = -std::log(1 - unit(rng_)) * 0.08 * (unit(rng_) < 0.5 ? -1 : 1);
    return slq::to_fixed(std::max(-1.0, std::min(1.0, x)));
  }

  void run() {
    cfg_words_limit_.write(static_cast<uint64_t>(lq_.words_limit));
    cfg_theta_.write(static_cast<uint64_t>(static_cast<int64_t>(lq_.theta_fixed)) & 0x3ffff);
    cfg_emax_pos_.write(static_cast<uint64_t>(lq_.emax_positive));
    cfg_emax_neg_.write(static_cast<uint64_t>(lq_.emax_negative));
    cfg_nzmin_pos_.write(static_cast<uint64_t>(lq_.nonzero_min_positive));
    cfg_nzmin_neg_.write(static_cast<uint64_t>(lq_.nonzero_min_negative));
    rst_.write(true);
    wait(kPeriod / 2);  // falling edge of cycle 0: the encoder found no weight and sleeps
    wait(kPeriod);
    rst_.write(false);  // the RTL's reset at edge 1, out of it from edge 2 on
    std::uniform_real_distribution<double> unit(0, 1);
    std::deque<int16_t> rtl_in;
    std::deque<EncodedWord> rtl_out;
    double push_p = 0.7, pop_p = 0.7;
    int written = 0;
    uint64_t rtl_stalls = 0, idle_after = 0;
    for (uint64_t c = 2;; ++c) {
      if (c % 500 == 2) {  // phases: fast or slow producer and consumer
        push_p = 0.1 + 0.9 * unit(rng_);
        pop_p = 0.1 + 0.9 * unit(rng_);
      }
      // Falling edge in cycle c - 1: the consumer, then the producer; then the RTL's inputs for c.
      const bool want = unit(rng_) < pop_p;
      EncodedWord sc_word;
      const bool sc_pop = want && out_fifo_.nb_read(sc_word);
      const bool rtl_pop = want && !rtl_out.empty();
      if (differ(c - 1, "consumer got a word", rtl_pop, sc_pop)) return stop();
      if (sc_pop) {
        if (differ(c - 1, "word the consumer got: code", rtl_out.front().code, sc_word.code)) return stop();
        if (differ(c - 1, "word the consumer got: last", rtl_out.front().last, sc_word.last)) return stop();
        rtl_out.pop_front();
      }
      if (written < weights_ && in_fifo_.num_free() > 0 && unit(rng_) < push_p) {
        const int16_t w = random_weight();
        in_fifo_.nb_write(w);
        rtl_in.push_back(w);
        ++written;
      }
      in_valid_.write(!rtl_in.empty());
      in_data_.write(static_cast<uint64_t>(static_cast<uint16_t>(rtl_in.empty() ? 0 : rtl_in.front())));
      out_ready_.write(static_cast<int>(rtl_out.size()) < out_depth_);
      wait(kPeriod);  // edge c: both act; then half a period
      ++result.cycles;
      // The weight read.
      if (differ(c, "weights read", in_pop_.read() ? 1 : 0, in_fifo_.reads.size())) return stop();
      if (!in_fifo_.reads.empty()) {
        if (differ(c, "cycle of the SystemC read", in_fifo_.reads[0].first, c)) return stop();
        if (differ(c, "weight read", rtl_in.front(), in_fifo_.reads[0].second)) return stop();
        rtl_in.pop_front();
        in_fifo_.reads.clear();
        ++result.weights;
      }
      // The word written.
      if (differ(c, "words written", out_valid_.read() ? 1 : 0, out_fifo_.writes.size())) return stop();
      if (!out_fifo_.writes.empty()) {
        const auto& [cycle, w] = out_fifo_.writes[0];
        if (differ(c, "cycle of the SystemC write", cycle, c)) return stop();
        const int code = code_of(out_code_.read().to_uint64());
        if (differ(c, "code", code, w.code)) return stop();
        if (differ(c, "last", out_last_.read(), w.last)) return stop();
        rtl_out.push_back(EncodedWord{code, out_last_.read()});
        out_fifo_.writes.clear();
        ++result.words;
        result.last_words += w.last;
      }
      rtl_stalls += stalled_.read();
      if (written == weights_ && rtl_in.empty() && rtl_out.empty() && !stalled_.read() && !out_valid_.read() &&
          ++idle_after > 3)
        break;
    }
    if (differ(result.cycles, "busy cycles at the end", result.words, encoder_.cycles_busy())) return stop();
    if (differ(result.cycles, "stalled cycles at the end", rtl_stalls, encoder_.cycles_stalled())) return stop();
    if (differ(result.cycles, "weights at the end", result.weights, encoder_.weights())) return stop();
    result.stalls = rtl_stalls;
    result.multi_word = result.words - result.last_words;
    stop();
  }
  void stop() { sc_core::sc_stop(); }

  slq::LogQuantConfig lq_;
  InFifo in_fifo_;
  OutFifo out_fifo_;
  slq::SlqEncoder encoder_;
  sc_core::sc_clock clk_;
  Model rtl_;
  sc_core::sc_signal<bool> rst_{"rst"}, in_valid_{"in_valid"}, out_ready_{"out_ready"};
  sc_core::sc_signal<sc_dt::sc_bv<8>> cfg_words_limit_{"cfg_words_limit"};
  sc_core::sc_signal<sc_dt::sc_bv<18>> cfg_theta_{"cfg_theta"}, cfg_nzmin_pos_{"cfg_nzmin_pos"},
      cfg_nzmin_neg_{"cfg_nzmin_neg"};
  sc_core::sc_signal<sc_dt::sc_bv<6>> cfg_emax_pos_{"cfg_emax_pos"}, cfg_emax_neg_{"cfg_emax_neg"};
  sc_core::sc_signal<sc_dt::sc_bv<16>> in_data_{"in_data"};
  sc_core::sc_signal<bool> in_pop_{"in_pop"}, out_valid_{"out_valid"}, out_last_{"out_last"}, stalled_{"stalled"};
  sc_core::sc_signal<sc_dt::sc_bv<B>> out_code_{"out_code"};
  int weights_, out_depth_;
  std::mt19937_64 rng_;
};

template <class Model, int B>
EncResult run_encoder(Format format, uint64_t seed) {
  std::mt19937_64 rng(seed);
  slq::EncoderConfig config;
  config.code.format = format;
  config.code.word_bits = B;
  // A random configuration: L of 2 or 3 (lq: 1), theta 0 (every word to L) or up to 0.004 (most
  // multi-word weights still reach L; larger thresholds stop nearly all of them before).
  config.code.max_words = format == Format::lq ? 1 : 2 + static_cast<int>(rng() % 2);
  config.code.theta = rng() % 3 == 0 ? 0.0 : std::uniform_real_distribution<double>(0, 0.004)(rng);
  config.clock_period = kPeriod;
  const int in_depth = 1 + static_cast<int>(rng() % 3), out_depth = 1 + static_cast<int>(rng() % 3);
  auto* bench = new EncBench<Model, B>("bench", config, 4000, in_depth, out_depth, rng());
  sc_core::sc_start();
  return bench->result;
}

struct EncCase {
  const char* name;
  EncResult (*run)();
};
const EncCase kEncCases[] = {
    {"tag_b4", [] { return run_encoder<Venc_b4, 4>(Format::tag, 41); }},
    {"tag_b5", [] { return run_encoder<Venc_b5, 5>(Format::tag, 51); }},
    {"tag_b6", [] { return run_encoder<Venc_b6, 6>(Format::tag, 61); }},
    {"special_b4", [] { return run_encoder<Venc_b4, 4>(Format::special, 42); }},
    {"special_b5", [] { return run_encoder<Venc_b5, 5>(Format::special, 52); }},
    {"special_b6", [] { return run_encoder<Venc_b6, 6>(Format::special, 62); }},
    {"lq_b4", [] { return run_encoder<Venc_b4, 4>(Format::lq, 43); }},
    {"lq_b5", [] { return run_encoder<Venc_b5, 5>(Format::lq, 53); }},
    {"lq_b6", [] { return run_encoder<Venc_b6, 6>(Format::lq, 63); }},
};

class RtlEncoder : public ::testing::TestWithParam<int> {};

}  // namespace

TEST_P(RtlEncoder, MatchesSlqEncoderEveryCycle) {
  const EncCase& m = kEncCases[GetParam()];
  const EncResult r = m.run();
  ASSERT_EQ(r.mismatch, "") << m.name;
  EXPECT_EQ(r.weights, 4000u);
  EXPECT_GT(r.stalls, 0u) << "the output FIFO must hold the encoder back";
  std::cout << m.name << ": " << r.cycles << " cycles, " << r.weights << " weights, " << r.words << " words ("
            << r.multi_word << " not last), " << r.stalls << " stalled cycles\n";
}

INSTANTIATE_TEST_SUITE_P(Formats, RtlEncoder, ::testing::Range(0, static_cast<int>(std::size(kEncCases))),
                         [](const auto& info) { return std::string(kEncCases[info.param].name); });
