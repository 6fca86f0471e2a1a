// RTL stream packer against slqsim's StreamPacker, cycle by cycle (docs/rtl.md).
// rtl/stream_packer.sv, Verilated (one model per format, b and W), runs beside hw/encoder's
// StreamPacker on the same clock. The testbench writes the code words of random weights (as the
// SLQ encoder gives them: slq_encode_fixed, last on each weight's final word) into the packer's
// input FIFO and reads its output FIFO, both at random; the RTL gets the same words and consumer
// decisions through queues mirroring the FIFOs. Every cycle it compares whether each read a word
// (and which), the memory words each wrote (how many, each value), and what the consumer got; at
// the end busy, marker and stalled cycles, memory words and streams. The first mismatch stops the
// run and names the cycle, the signal and both values.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <memory>
#include <random>
#include <sstream>

#include <systemc>

#include "tests/rtl/rtl_cosim.h"
#include "hw/encoder/packer.h"
#include "models/quant/slq_encoder_model.h"

#include "Vpk_lq_b5_w32.h"
#include "Vpk_special_b4_w6.h"
#include "Vpk_special_b5_w32.h"
#include "Vpk_tag_b5_w32.h"
#include "Vpk_tag_b6_w8.h"

namespace {

using slq::EncodedWord;
using slq::Format;

const sc_core::sc_time kPeriod(1, sc_core::SC_NS);

struct PkResult {
  std::string mismatch;
  uint64_t cycles = 0, code_words = 0, memory_words = 0, stalls = 0, markers = 0, streams = 0;
};

class InFifo : public sc_core::sc_fifo<EncodedWord> {
 public:
  explicit InFifo(int depth) : sc_core::sc_fifo<EncodedWord>("in_fifo", depth) {}
  bool nb_read(EncodedWord& v) override {
    const bool ok = sc_core::sc_fifo<EncodedWord>::nb_read(v);
    if (ok) reads.push_back({sc_core::sc_time_stamp().value() / kPeriod.value(), v});
    return ok;
  }
  std::vector<std::pair<uint64_t, EncodedWord>> reads;
};
class OutFifo : public sc_core::sc_fifo<uint64_t> {
 public:
  explicit OutFifo(int depth) : sc_core::sc_fifo<uint64_t>("out_fifo", depth) {}
  bool nb_write(const uint64_t& w) override {
    writes.push_back({sc_core::sc_time_stamp().value() / kPeriod.value(), w});
    return sc_core::sc_fifo<uint64_t>::nb_write(w);
  }
  std::vector<std::pair<uint64_t, uint64_t>> writes;
};

template <class Model, int B, int W>
class PkBench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(PkBench);
  PkBench(sc_core::sc_module_name name, const slq::PackerConfig& config, std::vector<EncodedWord> words,
          int in_depth, int out_depth, uint64_t seed)
      : sc_module(name), config_(config), in_fifo_(in_depth), out_fifo_(out_depth), packer_("packer", config),
        clk_("clk", kPeriod), rtl_("rtl"), words_(std::move(words)), out_depth_(out_depth), rng_(seed) {
    packer_.in(in_fifo_);
    packer_.out(out_fifo_);
    rtl_.clk(clk_);
    rtl_.rst(rst_);
    rtl_.cfg_weights_per_stream(cfg_wps_);
    rtl_.in_valid(in_valid_);
    rtl_.in_code(in_code_);
    rtl_.in_last(in_last_);
    rtl_.out_free(out_free_);
    rtl_.in_pop(in_pop_);
    rtl_.out_count(out_count_);
    rtl_.out_word0(out_word0_);
    rtl_.out_word1(out_word1_);
    rtl_.marker(marker_);
    rtl_.stalled(stalled_);
    SC_THREAD(run);
  }
  PkResult result;

 private:
  template <class A, class C>
  bool differ(uint64_t c, std::string_view signal, const A& rtl, const C& sysc) {
    return slq::rtl_cosim::differ(result.mismatch, -1, c, signal, rtl, sysc);
  }

  void run() {
    cfg_wps_.write(static_cast<uint64_t>(config_.weights_per_stream));
    rst_.write(true);
    wait(kPeriod / 2);
    wait(kPeriod);
    rst_.write(false);
    std::uniform_real_distribution<double> unit(0, 1);
    std::deque<EncodedWord> rtl_in;
    std::deque<uint64_t> rtl_out;
    double push_p = 0.7, pop_p = 0.7;
    size_t written = 0;
    uint64_t rtl_stalls = 0, rtl_markers = 0, idle_after = 0;
    for (uint64_t c = 2;; ++c) {
      if (c % 300 == 2) {
        push_p = 0.1 + 0.9 * unit(rng_);
        pop_p = 0.02 + 0.98 * unit(rng_);  // slow consumers too: a W-bit word every few cycles
      }
      const bool want = unit(rng_) < pop_p;
      uint64_t sc_word = 0;
      const bool sc_pop = want && out_fifo_.nb_read(sc_word);
      const bool rtl_pop = want && !rtl_out.empty();
      if (differ(c - 1, "consumer got a memory word", rtl_pop, sc_pop)) return stop();
      if (sc_pop) {
        if (differ(c - 1, "memory word the consumer got", rtl_out.front(), sc_word)) return stop();
        rtl_out.pop_front();
      }
      if (written < words_.size() && in_fifo_.num_free() > 0 && unit(rng_) < push_p) {
        in_fifo_.nb_write(words_[written]);
        rtl_in.push_back(words_[written]);
        ++written;
      }
      in_valid_.write(!rtl_in.empty());
      in_code_.write(static_cast<uint64_t>(rtl_in.empty() ? 0 : rtl_in.front().code) & ((1u << B) - 1));
      in_last_.write(!rtl_in.empty() && rtl_in.front().last);
      out_free_.write(static_cast<uint64_t>(std::min(3, out_depth_ - static_cast<int>(rtl_out.size()))));
      wait(kPeriod);  // edge c: both act; then half a period
      ++result.cycles;
      if (differ(c, "code words read", in_pop_.read() ? 1 : 0, in_fifo_.reads.size())) return stop();
      if (!in_fifo_.reads.empty()) {
        if (differ(c, "cycle of the SystemC read", in_fifo_.reads[0].first, c)) return stop();
        if (differ(c, "code read", rtl_in.front().code, in_fifo_.reads[0].second.code)) return stop();
        rtl_in.pop_front();
        in_fifo_.reads.clear();
        ++result.code_words;
      }
      const int n = static_cast<int>(out_count_.read().to_uint());
      if (differ(c, "memory words written", n, out_fifo_.writes.size())) return stop();
      for (int i = 0; i < n; ++i) {
        const uint64_t rtl_word = (i == 0 ? out_word0_ : out_word1_).read().to_uint64();
        if (differ(c, "cycle of the SystemC write", out_fifo_.writes[i].first, c)) return stop();
        if (differ(c, "memory word " + std::to_string(i), rtl_word, out_fifo_.writes[i].second)) return stop();
        rtl_out.push_back(rtl_word);
        ++result.memory_words;
      }
      out_fifo_.writes.clear();
      rtl_stalls += stalled_.read();
      rtl_markers += marker_.read();
      if (written == words_.size() && rtl_in.empty() && rtl_out.empty() && !stalled_.read() && n == 0 &&
          ++idle_after > 3)
        break;
    }
    if (differ(result.cycles, "marker cycles at the end", rtl_markers, packer_.marker_cycles())) return stop();
    if (differ(result.cycles, "stalled cycles at the end", rtl_stalls, packer_.cycles_stalled())) return stop();
    if (differ(result.cycles, "memory words at the end", result.memory_words, packer_.memory_words())) return stop();
    if (differ(result.cycles, "code words at the end", result.code_words, packer_.code_words())) return stop();
    result.stalls = rtl_stalls;
    result.markers = rtl_markers;
    result.streams = packer_.streams();
    stop();
  }
  void stop() { sc_core::sc_stop(); }

  slq::PackerConfig config_;
  InFifo in_fifo_;
  OutFifo out_fifo_;
  slq::StreamPacker packer_;
  sc_core::sc_clock clk_;
  Model rtl_;
  sc_core::sc_signal<bool> rst_{"rst"}, in_valid_{"in_valid"}, in_last_{"in_last"};
  sc_core::sc_signal<sc_dt::sc_bv<32>> cfg_wps_{"cfg_wps"};
  sc_core::sc_signal<sc_dt::sc_bv<B>> in_code_{"in_code"};
  sc_core::sc_signal<sc_dt::sc_bv<2>> out_free_{"out_free"}, out_count_{"out_count"};
  sc_core::sc_signal<sc_dt::sc_bv<W>> out_word0_{"out_word0"}, out_word1_{"out_word1"};
  sc_core::sc_signal<bool> in_pop_{"in_pop"}, marker_{"marker"}, stalled_{"stalled"};
  std::vector<EncodedWord> words_;
  int out_depth_;
  std::mt19937_64 rng_;
};

template <class Model, int B, int W>
PkResult run_packer(Format format, uint64_t seed) {
  std::mt19937_64 rng(seed);
  slq::PackerConfig config;
  config.code.format = format;
  config.code.word_bits = B;
  config.code.mem_word_bits = W;
  config.code.max_words = format == Format::lq ? 1 : 2 + static_cast<int>(rng() % 2);
  config.code.theta = rng() % 2 == 0 ? 0.0 : 0.002;
  config.weights_per_stream = 1 + rng() % 40;
  config.clock_period = kPeriod;
  // The code words of random weights, as the SLQ encoder emits them; whole streams.
  std::vector<EncodedWord> words;
  std::uniform_real_distribution<double> unit(0, 1);
  const uint64_t weights = config.weights_per_stream * (1 + 3000 / config.weights_per_stream);
  for (uint64_t i = 0; i < weights; ++i) {
    const double kind = unit(rng);
    const double x = kind < 0.1 ? 0.0 : -std::log(1 - unit(rng)) * 0.08 * (unit(rng) < 0.5 ? -1 : 1);
    const std::vector<int> codes = slq::slq_encode_fixed(slq::to_fixed(std::max(-1.0, std::min(1.0, x))), config.code);
    for (size_t k = 0; k < codes.size(); ++k) words.push_back(EncodedWord{codes[k], k + 1 == codes.size()});
  }
  const int in_depth = 1 + static_cast<int>(rng() % 3);
  const int out_depth = std::max(config.max_words_per_cycle(), 1 + static_cast<int>(rng() % 4));
  auto* bench = new PkBench<Model, B, W>("bench", config, std::move(words), in_depth, out_depth, rng());
  sc_core::sc_start();
  return bench->result;
}

struct PkCase {
  const char* name;
  PkResult (*run)();
};
const PkCase kPkCases[] = {
    {"tag_b5_W32", [] { return run_packer<Vpk_tag_b5_w32, 5, 32>(Format::tag, 71); }},
    {"special_b5_W32", [] { return run_packer<Vpk_special_b5_w32, 5, 32>(Format::special, 72); }},
    {"lq_b5_W32", [] { return run_packer<Vpk_lq_b5_w32, 5, 32>(Format::lq, 73); }},
    {"tag_b6_W8", [] { return run_packer<Vpk_tag_b6_w8, 6, 8>(Format::tag, 74); }},
    {"special_b4_W6", [] { return run_packer<Vpk_special_b4_w6, 4, 6>(Format::special, 75); }},
};

class RtlPacker : public ::testing::TestWithParam<int> {};

}  // namespace

TEST_P(RtlPacker, MatchesStreamPackerEveryCycle) {
  const PkCase& m = kPkCases[GetParam()];
  const PkResult r = m.run();
  ASSERT_EQ(r.mismatch, "") << m.name;
  EXPECT_GT(r.stalls, 0u) << "the output FIFO must hold the packer back";
  EXPECT_GT(r.streams, 1u);
  std::cout << m.name << ": " << r.cycles << " cycles, " << r.code_words << " code words, " << r.markers
            << " markers, " << r.memory_words << " memory words, " << r.streams << " streams, " << r.stalls
            << " stalled cycles\n";
}

INSTANTIATE_TEST_SUITE_P(Formats, RtlPacker, ::testing::Range(0, static_cast<int>(std::size(kPkCases))),
                         [](const auto& info) { return std::string(kPkCases[info.param].name); });
