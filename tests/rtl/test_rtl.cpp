// RTL against SystemC, cycle by cycle (docs/rtl.md). rtl/stream_decoder.sv, turned into a
// SystemC module by Verilator (tools/verilate.sh, one model per parameter set), runs beside
// slqsim's hw::StreamDecoder (with its WeightMemory and TermFifo) on the same clock, on the same
// streams, with the same consumer and the same memory latencies. Every cycle the testbench
// compares what the two decoders did: the terms each emitted (count, then weight, sign,
// exponent, first word, bits), whether each read memory, the status and done registers, what
// the consumer popped and what each FIFO holds (the decoder's ready). The first mismatch stops
// the run and names the pass, the cycle, the signal and both values.
//
// Time: the RTL registers cycle c's actions at clock edge S + c (S: the edge after the one that
// saw `start`), which is when the SystemC decoder acts in its cycle c; the testbench looks at
// both half a period later and drives the RTL's inputs for the next edge (its FIFO's free slots,
// the memory word due then). The SystemC consumer pops at the start of each cycle, as the
// controller does.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <sstream>

#include <systemc>

#include "tests/rtl/rtl_cosim.h"
#include "hw/decoder/stream_decoder.h"
#include "hw/memory/weight_memory.h"
#include "hw/process_error.h"
#include "models/io/onnx_model.h"
#include "tb/app/options.h"
#include "tb/stall_sources.h"
#include "tests/hw/hw_test_util.h"

#include "Vdec_linear_f1.h"
#include "Vdec_linear_f3.h"
#include "Vdec_lq_f1.h"
#include "Vdec_lq_f3.h"
#include "Vdec_special_f1.h"
#include "Vdec_special_f3.h"
#include "Vdec_tag_f1.h"
#include "Vdec_tag_f3.h"

namespace {

using slq::CodeParams;
using slq::DecoderStatus;
using slq::Format;
using slq::PassJob;
using slq::Term;

const sc_core::sc_time kPeriod(1000, sc_core::SC_PS);
constexpr int kN = 8;               // stream bits of every model (the RTL's default N)
constexpr int kTermBits = 42 + kN + 1;  // rtl/stream_decoder.sv TW
constexpr uint64_t kMaxCycles = 200000;

// A TermFifo that also records what the decoder writes, with the cycle.
class RecordingFifo : public slq::hw::TermFifo {
 public:
  RecordingFifo(const char* name, int depth, const slq::hw::PassContext& ctx) : TermFifo(name, depth), ctx_(ctx) {}
  bool nb_write(const slq::hw::TermToken& t) override {
    pushes.push_back({ctx_.cycle(), t.term});
    return TermFifo::nb_write(t);
  }
  std::vector<std::pair<uint64_t, Term>> pushes;

 private:
  const slq::hw::PassContext& ctx_;
};

struct PassSpec {
  slq::test::RandomLayer layer;
  double pop_probability = 0.5;
  slq::tb::StallSources stalls;
};

struct Result {
  std::string mismatch;  // empty: every cycle matched
  uint64_t cycles = 0, terms = 0, passes = 0;
  uint64_t status_seen[8] = {};  // cycles per SystemC status value
  uint64_t asleep_cycles = 0;    // cycles the RTL spent held by the FIFO
  uint64_t expected_passes = 6;
};

template <int F>
using ValidType = std::conditional_t<F == 1, bool, sc_dt::sc_bv<F>>;
inline bool valid_bit(bool v, int) { return v; }
template <int F>
bool valid_bit(const sc_dt::sc_bv<F>& v, int i) { return v[i].to_bool(); }

template <class Model, int F, int W>
class Bench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Bench);
  Bench(sc_core::sc_module_name name, const slq::hw::AccelConfig& config, std::vector<PassSpec> passes, uint64_t seed)
      : sc_module(name), config_(config), clk_("clk", kPeriod), rtl_("rtl"),
        memory_("memory", ctx_), fifo_("fifo", config.fifo_depth, ctx_), decoder_("decoder", ctx_, memory_, fifo_),
        passes_(std::move(passes)), rng_(seed) {
    ctx_.config = &config_;
    ctx_.period = kPeriod;
    rtl_.clk(clk_);
    rtl_.rst(rst_);
    rtl_.start(start_);
    rtl_.cfg_weight_count(cfg_weight_count_);
    rtl_.cfg_mem_words(cfg_mem_words_);
    rtl_.fifo_free(fifo_free_);
    rtl_.mem_rvalid(mem_rvalid_);
    rtl_.mem_rdata(mem_rdata_);
    rtl_.mem_req(mem_req_);
    rtl_.mem_addr(mem_addr_);
    rtl_.term_valid(term_valid_);
    rtl_.terms(terms_);
    rtl_.status(status_);
    rtl_.done(done_);
    rtl_.stall_fifo(stall_fifo_);
    rtl_.error(error_);
    SC_THREAD(run);
  }
  Result result;

 private:
  void run() {
    wait(kPeriod / 2);
    rst_.write(true);
    wait(kPeriod);
    rst_.write(false);
    for (size_t p = 0; p < passes_.size(); ++p) {
      if (!run_pass(p)) break;
      ++result.passes;
    }
    sc_core::sc_stop();
  }

  template <class A, class B>
  bool differ(uint64_t c, std::string_view signal, const A& rtl, const B& sysc) {
    return slq::rtl_cosim::differ(result.mismatch, int64_t(pass_), c, signal, rtl, sysc);
  }

  // Called at a falling edge; returns at a falling edge.
  bool run_pass(size_t p) {
    pass_ = p;
    const PassSpec& spec = passes_[p];
    const std::vector<uint64_t>& image = spec.layer.stream.mem;
    ctx_.job = slq::test::job_of(spec.layer, 1);
    sc_stalls_ = std::make_unique<slq::tb::RandomStalls>(spec.stalls);
    rtl_stalls_ = std::make_unique<slq::tb::RandomStalls>(spec.stalls);
    ctx_.stalls = sc_stalls_.get();
    std::bernoulli_distribution pop(spec.pop_probability);
    cfg_weight_count_.write(static_cast<uint64_t>(ctx_.job.weight_count));
    cfg_mem_words_.write(static_cast<uint64_t>(image.size()));
    start_.write(true);
    mem_rvalid_.write(false);
    wait(kPeriod);  // the RTL's begin_pass at this edge
    start_.write(false);
    fifo_free_.write(static_cast<uint64_t>(config_.fifo_depth));
    wait(kPeriod / 2);  // edge S: cycle 0 of both
    ctx_.start = sc_core::sc_time_stamp();
    memory_.begin_pass();
    decoder_.begin_pass();
    ctx_.start_event.notify(sc_core::SC_ZERO_TIME);
    fifo_.pushes.clear();
    std::deque<Term> rtl_fifo;
    bool pending = false;
    uint64_t due = 0, due_word = 0, rtl_reads = 0, sc_reads = 0;
    for (uint64_t c = 0; c < kMaxCycles; ++c) {
      // The consumer, at the start of the cycle (SystemC side).
      const bool want = pop(rng_);
      slq::hw::TermToken sc_popped;
      const bool sc_pop = want && fifo_.nb_read(sc_popped);
      wait(kPeriod / 2);  // what both did in cycle c
      ++result.cycles;
      const uint8_t sc_status = decoder_.status.read();
      ++result.status_seen[sc_status & 7];
      if (stall_fifo_.read()) ++result.asleep_cycles;
      if (differ(c, "error (RTL found the stream malformed)", error_.read(), false)) return false;
      // Terms emitted this cycle.
      std::vector<Term> sc_terms;
      for (const auto& [cycle, term] : fifo_.pushes) {
        if (differ(c, "cycle of a SystemC push", cycle, c)) return false;
        sc_terms.push_back(term);
      }
      fifo_.pushes.clear();
      std::vector<Term> rtl_terms;
      const ValidType<F> valid = term_valid_.read();
      const sc_dt::sc_bv<F * kTermBits> slots = terms_.read();
      for (int i = 0; i < F; ++i) {
        if (!valid_bit(valid, i)) continue;
        const int lo = i * kTermBits;
        Term t;
        t.weight = static_cast<uint32_t>(slots.range(lo + 31, lo).to_uint64());
        t.nbits = static_cast<uint32_t>(slots.range(lo + 32 + kN, lo + 32).to_uint64());
        t.exponent = static_cast<int8_t>(slots.range(lo + 40 + kN, lo + 33 + kN).to_uint64());
        t.sign = slots[lo + 41 + kN].to_bool() ? -1 : 1;
        t.first = slots[lo + 42 + kN].to_bool();
        rtl_terms.push_back(t);
      }
      if (differ(c, "terms emitted", rtl_terms.size(), sc_terms.size())) return false;
      for (size_t i = 0; i < sc_terms.size(); ++i) {
        const Term &r = rtl_terms[i], &s = sc_terms[i];
        const std::string slot = "term " + std::to_string(i) + " ";
        if (differ(c, (slot + "weight").c_str(), r.weight, s.weight) ||
            differ(c, (slot + "sign").c_str(), r.sign, s.sign) ||
            differ(c, (slot + "exponent").c_str(), r.exponent, s.exponent) ||
            differ(c, (slot + "first").c_str(), r.first, s.first) ||
            differ(c, (slot + "nbits").c_str(), r.nbits, s.nbits))
          return false;
      }
      result.terms += sc_terms.size();
      // Memory reads issued this cycle.
      const uint64_t reads = memory_.reads();
      const bool sc_read = reads != sc_reads;
      sc_reads = reads;
      if (differ(c, "memory read", mem_req_.read(), sc_read)) return false;
      if (sc_read && differ(c, "memory read address", mem_addr_.read().to_uint64(), rtl_reads)) return false;
      // The registers.
      if (differ(c, "status", status_.read().to_uint(), unsigned{sc_status}) ||
          differ(c, "done", done_.read(), decoder_.done.read()))
        return false;
      // The consumer on the RTL side; then the FIFO with this cycle's terms (ready: free slots).
      const bool rtl_pop = want && !rtl_fifo.empty();
      if (differ(c, "consumer pop", rtl_pop, sc_pop)) return false;
      if (rtl_pop) {
        const Term& r = rtl_fifo.front();
        if (differ(c, "popped term weight", r.weight, sc_popped.term.weight) ||
            differ(c, "popped term nbits", r.nbits, sc_popped.term.nbits) ||
            differ(c, "popped term sign", r.sign, sc_popped.term.sign))
          return false;
        rtl_fifo.pop_front();
      }
      for (const Term& t : rtl_terms) rtl_fifo.push_back(t);
      if (differ(c, "FIFO occupancy", rtl_fifo.size(), static_cast<size_t>(fifo_.num_available()))) return false;
      fifo_free_.write(static_cast<uint64_t>(config_.fifo_depth - static_cast<int>(rtl_fifo.size())));
      // The RTL side's memory: the word of a read arrives 1 + extra cycles later.
      if (mem_req_.read()) {
        const uint64_t address = mem_addr_.read().to_uint64();
        ++rtl_reads;
        pending = true;
        due = c + 1 + static_cast<uint64_t>(rtl_stalls_->memory_extra_cycles());
        due_word = address < image.size() ? image[address] : 0;
      }
      if (pending && due == c + 1) {
        mem_rvalid_.write(true);
        mem_rdata_.write(due_word);
        pending = false;
      } else {
        mem_rvalid_.write(false);
      }
      if (decoder_.done.read() && done_.read() && rtl_fifo.empty() && fifo_.num_available() == 0) return true;
      wait(kPeriod / 2);
    }
    result.mismatch = "pass " + std::to_string(p) + " did not end in " + std::to_string(kMaxCycles) + " cycles";
    return false;
  }

  slq::hw::AccelConfig config_;
  slq::hw::PassContext ctx_;
  sc_core::sc_clock clk_;
  Model rtl_;
  sc_core::sc_signal<bool> rst_{"rst"}, start_{"start"}, mem_rvalid_{"mem_rvalid"}, mem_req_{"mem_req"},
      done_{"done"}, stall_fifo_{"stall_fifo"}, error_{"error"};
  sc_core::sc_signal<sc_dt::sc_bv<32>> cfg_weight_count_{"cfg_weight_count"}, cfg_mem_words_{"cfg_mem_words"},
      mem_addr_{"mem_addr"};
  sc_core::sc_signal<sc_dt::sc_bv<8>> fifo_free_{"fifo_free"};
  sc_core::sc_signal<sc_dt::sc_bv<W>> mem_rdata_{"mem_rdata"};
  sc_core::sc_signal<ValidType<F>> term_valid_{"term_valid"};
  sc_core::sc_signal<sc_dt::sc_bv<F * kTermBits>> terms_{"terms"};
  sc_core::sc_signal<sc_dt::sc_bv<3>> status_{"status"};
  slq::hw::WeightMemory memory_;
  RecordingFifo fifo_;
  slq::hw::StreamDecoder decoder_;
  std::vector<PassSpec> passes_;
  std::mt19937_64 rng_;
  std::unique_ptr<slq::tb::RandomStalls> sc_stalls_, rtl_stalls_;
  size_t pass_ = 0;
};

// The passes of one test: random layers (Laplace-like weights, some zero), short and long, with
// consumers and memories slow and fast.
std::vector<PassSpec> random_passes(const CodeParams& code, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<PassSpec> passes;
  const struct {
    int rows, cols;
    double pop, memory_stalls;
  } shapes[] = {{6, 40, 0.5, 0.3}, {4, 50, 0.9, 0.0}, {5, 30, 0.25, 0.5}, {1, 1, 0.7, 0.2}, {3, 7, 1.0, 0.0},
                {8, 32, 0.6, 0.1}};
  for (const auto& s : shapes) {
    PassSpec p;
    p.layer = slq::test::random_layer(rng, code, s.rows, s.cols, 1);
    p.pop_probability = s.pop;
    p.stalls.memory_probability = s.memory_stalls;
    p.stalls.seed = seed * 31 + passes.size();
    passes.push_back(std::move(p));
  }
  return passes;
}

// The shipped model's layers (data/lenet_fmnist.onnx) in the format, quantized and packed as
// `slqsim encode` does with the default options (b = 5, N = 8, W = 32, L = 2).
std::vector<PassSpec> shipped_passes(Format format) {
  slq::tb::Options options;
  options.model = std::string(SLQSIM_SOURCE_DIR) + "/data/lenet_fmnist.onnx";
  options.encodings = slq::to_string(format);
  const std::vector<slq::EncodingRun> runs = options.encoding_runs(slq::load_onnx(options.model));
  std::vector<PassSpec> passes;
  for (const slq::QuantLayer& q : runs.at(0).layers) {
    PassSpec p;
    p.layer.code = q.image.params;
    p.layer.stream = q.image.stream;
    p.layer.words = slq::decode_stream(q.image.stream.mem, q.image.weight_count, q.image.params);
    p.layer.rows = 1;
    p.layer.cols = static_cast<int>(q.image.weight_count);
    p.pop_probability = 0.6;
    p.stalls.memory_probability = 0.2;
    p.stalls.seed = 5 + passes.size();
    passes.push_back(std::move(p));
  }
  return passes;
}

template <class Model, Format Fmt>
Result run_shipped() {
  const std::vector<PassSpec> passes = shipped_passes(Fmt);
  const CodeParams& code = passes.at(0).layer.code;
  if (code.word_bits != 5 || code.stream_bits != kN || code.mem_word_bits != 32 || code.max_words != code.words_limit())
    return Result{"the shipped model's default code differs from the F = 1 models' (b = 5, N = 8, W = 32)"};
  slq::hw::AccelConfig config;
  config.fields_per_cycle = 1;
  config.fifo_depth = 2;
  auto* bench = new Bench<Model, 1, 32>("bench", config, passes, 17);
  sc_core::sc_start();
  slq::hw::rethrow_process_error();
  Result r = bench->result;
  r.expected_passes = passes.size();
  return r;
}

template <class Model, Format Fmt, int B, int F, int W>
Result run_model(int depth) {
  CodeParams code;
  code.format = Fmt;
  code.word_bits = B;
  code.stream_bits = kN;
  code.mem_word_bits = W;
  code.max_words = code.words_limit();
  slq::hw::AccelConfig config;
  config.fields_per_cycle = F;
  config.fifo_depth = depth;
  auto* bench = new Bench<Model, F, W>("bench", config, random_passes(code, 1000 + 10 * F + depth), 7 + depth);
  sc_core::sc_start();
  slq::hw::rethrow_process_error();
  return bench->result;
}

struct ModelCase {
  const char* name;
  Result (*run)(int depth);
  int depth;
};

const ModelCase kCases[] = {
    {"tag_b5_F1_W32", run_model<Vdec_tag_f1, Format::tag, 5, 1, 32>, 2},
    {"special_b5_F1_W32", run_model<Vdec_special_f1, Format::special, 5, 1, 32>, 2},
    {"lq_b5_F1_W32", run_model<Vdec_lq_f1, Format::lq, 5, 1, 32>, 2},
    {"linear_b5_F1_W32", run_model<Vdec_linear_f1, Format::linear, 5, 1, 32>, 2},
    {"tag_b5_F1_W32_depth1", run_model<Vdec_tag_f1, Format::tag, 5, 1, 32>, 1},
    {"special_b5_F1_W32_depth1", run_model<Vdec_special_f1, Format::special, 5, 1, 32>, 1},
    {"lq_b5_F1_W32_depth1", run_model<Vdec_lq_f1, Format::lq, 5, 1, 32>, 1},
    {"linear_b5_F1_W32_depth1", run_model<Vdec_linear_f1, Format::linear, 5, 1, 32>, 1},
    {"tag_b6_F3_W24", run_model<Vdec_tag_f3, Format::tag, 6, 3, 24>, 2},
    {"special_b6_F3_W24", run_model<Vdec_special_f3, Format::special, 6, 3, 24>, 2},
    {"lq_b6_F3_W24", run_model<Vdec_lq_f3, Format::lq, 6, 3, 24>, 2},
    {"linear_b6_F3_W24", run_model<Vdec_linear_f3, Format::linear, 6, 3, 24>, 2},
    {"tag_b6_F3_W24_depth4", run_model<Vdec_tag_f3, Format::tag, 6, 3, 24>, 4},
    {"special_b6_F3_W24_depth4", run_model<Vdec_special_f3, Format::special, 6, 3, 24>, 4},
    {"lq_b6_F3_W24_depth4", run_model<Vdec_lq_f3, Format::lq, 6, 3, 24>, 4},
    {"linear_b6_F3_W24_depth4", run_model<Vdec_linear_f3, Format::linear, 6, 3, 24>, 4},
};

class RtlDecoder : public ::testing::TestWithParam<int> {};

}  // namespace

TEST_P(RtlDecoder, MatchesSystemCEveryCycle) {
  const ModelCase& m = kCases[GetParam()];
  const Result r = m.run(m.depth);
  ASSERT_EQ(r.mismatch, "") << m.name;
  EXPECT_EQ(r.passes, 6u);
  EXPECT_GT(r.terms, 100u);
  // The runs reach the decoder's states: starved by memory, held by the FIFO, producing, done.
  EXPECT_GT(r.status_seen[static_cast<int>(DecoderStatus::starved)], 0u);
  EXPECT_GT(r.status_seen[static_cast<int>(DecoderStatus::fifo_full)], 0u);
  EXPECT_GT(r.status_seen[static_cast<int>(DecoderStatus::produced)], 0u);
  EXPECT_GT(r.asleep_cycles, 0u);
  std::cout << m.name << ": " << r.cycles << " cycles, " << r.terms << " terms compared\n";
}

struct ShippedCase {
  const char* name;
  Result (*run)();
};
const ShippedCase kShipped[] = {
    {"tag", run_shipped<Vdec_tag_f1, Format::tag>},
    {"special", run_shipped<Vdec_special_f1, Format::special>},
    {"lq", run_shipped<Vdec_lq_f1, Format::lq>},
    {"linear", run_shipped<Vdec_linear_f1, Format::linear>},
};
class RtlDecoderShipped : public ::testing::TestWithParam<int> {};

TEST_P(RtlDecoderShipped, MatchesSystemCEveryCycleOnEveryLayer) {
  const ShippedCase& m = kShipped[GetParam()];
  const Result r = m.run();
  ASSERT_EQ(r.mismatch, "") << m.name;
  EXPECT_EQ(r.passes, r.expected_passes);
  EXPECT_GT(r.terms, 1000u);
  std::cout << m.name << ": " << r.passes << " layers, " << r.cycles << " cycles, " << r.terms << " terms compared\n";
}

INSTANTIATE_TEST_SUITE_P(LeNet, RtlDecoderShipped, ::testing::Range(0, static_cast<int>(std::size(kShipped))),
                         [](const auto& info) { return std::string(kShipped[info.param].name); });

INSTANTIATE_TEST_SUITE_P(Formats, RtlDecoder, ::testing::Range(0, static_cast<int>(std::size(kCases))),
                         [](const auto& info) { return std::string(kCases[info.param].name); });
