// The SLQ encoder (docs/encoder.md): the fixed-point datapath against the software SLQ, then the SystemC
// encoder + packer against pack_stream(), with their cycle counts. Each EncoderHw test
// elaborates once; ctest runs every test in its own process.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <sstream>
#include <systemc>

#include "hw/encoder/packer.h"
#include "hw/encoder/slq_encoder.h"
#include "tb/encoder_bench.h"
#include "models/codec/codec.h"
#include "models/errors.h"
#include "models/quant/quant.h"
#include "models/quant/slq_encoder_model.h"

namespace slq {
namespace {

using tb::EncoderChain;

double fixed_to_double(int r) { return r / 32768.0; }

std::string describe(const CodeParams& p) {
  std::ostringstream os;
  os << to_string(p.format) << " b=" << p.word_bits << " L=" << p.max_words << " theta=" << p.theta
     << " W=" << p.mem_word_bits;
  return os.str();
}

CodeParams params(Format format, int b, int L, double theta, int W = 32) {
  CodeParams p;
  p.format = format;
  p.word_bits = b;
  p.max_words = L;
  p.theta = theta;
  p.mem_word_bits = W;
  return p;
}

// A threshold that is sometimes 0, sometimes a power of two (an exact Q1.15 value, where
// <= versus < matters), sometimes arbitrary.
double random_theta(std::mt19937& rng) {
  switch (rng() % 3) {
    case 0: return 0.0;
    case 1: return std::ldexp(1.0, -static_cast<int>(1 + rng() % 15));
    default: return std::uniform_real_distribution<double>(0.0, 0.2)(rng);
  }
}

// ---- models: the datapath without SystemC ------------------------------------------------

TEST(EncoderModel, RoundingMatchesIntLogRound) {
  for (uint32_t a = 1; a <= 65536; ++a) {
    ASSERT_EQ(rounded_log2(a), int_log_round(a)) << "a = " << a;
    ASSERT_EQ(uint32_t{1} << leading_one_position(a), a & (uint32_t{1} << leading_one_position(a)));
    ASSERT_LT(a >> leading_one_position(a), 2u);
  }
}

TEST(EncoderModel, SeedExampleStepByStep) {
  const LogQuantConfig config = make_logquant_config(params(Format::special, 5, 2, 0.0));
  const int16_t r = 14336;  // 0.4375 -> 0.5 - 0.0625, `00001 11100`
  const LogQuantStep first = logquant_unit(r, 1, config);
  EXPECT_EQ(first.code, 1);
  EXPECT_EQ(first.residue_after, -2048);
  EXPECT_FALSE(first.stop);
  const LogQuantStep second = logquant_unit(first.residue_after, 2, config);
  EXPECT_EQ(second.code, -4);
  EXPECT_EQ(second.residue_after, 0);
  EXPECT_TRUE(second.stop);
  EXPECT_EQ(slq_encode_fixed(0, config), std::vector<int>{0});
  EXPECT_EQ(slq_encode_fixed(-32768, config), (std::vector<int>{-1, -1}));  // -1: clipped to e = 1
}

TEST(EncoderModel, AllInputsMatchSoftwareAtDefaults) {
  const CodeParams p = params(Format::special, 5, 2, 0.0);
  for (int r = -32768; r <= 32767; ++r)
    ASSERT_EQ(slq_encode_fixed(static_cast<int16_t>(r), p), slq_quantize(fixed_to_double(r), p)) << "r = " << r;
}

TEST(EncoderModel, AllInputsMatchSoftwareOnAGrid) {
  // Small b makes Emax small: there a residue can round to zero before theta or L stop it.
  for (Format format : {Format::tag, Format::special, Format::lq})
    for (int b : {2, 3, 4, 5, 8})
      for (int L : {1, 2, 3, 5})
        for (double theta : {0.0, std::ldexp(1.0, -6), 0.01}) {
          const CodeParams p = params(format, b, L, theta);
          const LogQuantConfig config = make_logquant_config(p);
          for (int r = -32768; r <= 32767; ++r)
            ASSERT_EQ(slq_encode_fixed(static_cast<int16_t>(r), config), slq_quantize(fixed_to_double(r), p))
                << describe(p) << " r = " << r;
        }
}

TEST(EncoderModel, RandomParamsMatchSoftware) {
  std::mt19937 rng(20190602);
  const Format formats[] = {Format::tag, Format::special, Format::lq};
  for (int trial = 0; trial < 400; ++trial) {
    const CodeParams p = params(formats[rng() % 3], 2 + rng() % 7, 1 + rng() % 8, random_theta(rng));
    const LogQuantConfig config = make_logquant_config(p);
    for (int i = 0; i < 2000; ++i) {
      const int16_t r = static_cast<int16_t>(rng());
      ASSERT_EQ(slq_encode_fixed(r, config), slq_quantize(fixed_to_double(r), p)) << describe(p) << " r = " << r;
    }
  }
}

TEST(EncoderModel, RejectsLinearRounding) {
  CodeParams p = params(Format::special, 5, 2, 0.0);
  p.rounding = Rounding::linear;
  EXPECT_THROW(make_logquant_config(p), InputError);
}

TEST(EncoderConfig, RejectsWhatTheHardwareCannotDo) {
  // No elaboration here: the configs are validated before any module exists.
  EXPECT_THROW((EncoderConfig{params(Format::linear, 5, 1, 0.0)}.validate()), InputError);
  EXPECT_THROW((PackerConfig{params(Format::linear, 5, 1, 0.0)}.validate()), InputError);
  EXPECT_NO_THROW((PackerConfig{params(Format::lq, 5, 1, 0.0)}.validate()));
  EXPECT_THROW((PackerConfig{params(Format::tag, 5, 2, 0.0), 0}.validate()), InputError);
  EXPECT_NO_THROW((PackerConfig{params(Format::special, 5, 2, 0.0)}.validate()));
  // Output FIFO depth the packer needs: at W = 32 a field that fills a word and the flush of
  // the remainder leave together (2); a 9-bit tag field (b = 8) into 1-bit words completes 9.
  EXPECT_EQ((PackerConfig{params(Format::special, 5, 2, 0.0, 32)}.max_words_per_cycle()), 2);
  EXPECT_EQ((PackerConfig{params(Format::tag, 8, 2, 0.0, 1)}.max_words_per_cycle()), 9);
  EXPECT_EQ((PackerConfig{params(Format::tag, 4, 2, 0.0, 7)}.max_words_per_cycle()), 2);
}

// ---- SystemC: encoder -> packer -> memory words --------------------------------------------

struct Expected {
  std::vector<uint64_t> memory;
  uint64_t words = 0, weights = 0;
};

// The software path: slq_quantize per weight, pack_stream per stream of weights_per_stream.
Expected reference(const std::vector<int16_t>& inputs, const CodeParams& p, uint64_t weights_per_stream) {
  Expected e;
  for (size_t start = 0; start < inputs.size(); start += weights_per_stream) {
    WeightWords stream;
    for (size_t i = start; i < std::min(inputs.size(), start + weights_per_stream); ++i)
      stream.add(slq_quantize(fixed_to_double(inputs[i]), p));
    const PackedStream packed = pack_stream(stream, p);
    e.memory.insert(e.memory.end(), packed.mem.begin(), packed.mem.end());
    e.words += stream.words.size();
    e.weights += stream.weight_count();
  }
  return e;
}

// Every cycle from 0 to the module's last useful cycle is busy, stalled or idle, once.
template <typename Module>
void expect_cycles_accounted(const Module& m, uint64_t last_cycle) {
  EXPECT_EQ(m.cycles_busy() + m.cycles_stalled() + m.cycles_idle(), last_cycle + 1) << m.name();
}

TEST(EncoderHw, AllInputsSpecialMatchPackStream) {
  const CodeParams p = params(Format::special, 5, 2, std::ldexp(1.0, -6));
  std::vector<int16_t> inputs;
  for (int r = -32768; r <= 32767; ++r) inputs.push_back(static_cast<int16_t>(r));
  const Expected expected = reference(inputs, p, inputs.size());

  EncoderChain chain("chain", p, inputs, inputs.size());
  sc_core::sc_start();

  EXPECT_EQ(chain.sink.words, expected.memory);
  EXPECT_EQ(chain.encoder.weights(), expected.weights);
  EXPECT_EQ(chain.encoder.words(), expected.words);
  EXPECT_EQ(chain.encoder.cycles_busy(), expected.words);  // one LogQuant per cycle
  EXPECT_EQ(chain.encoder.cycles_idle(), 1u);              // cycle 0: the first value is in flight
  expect_cycles_accounted(chain.encoder, chain.encoder.last_word_cycle());
  // Special: one field per packer cycle, a marker before each further word. The encoder runs
  // ahead, so the packer is busy every cycle from 2 (first word readable) to the flush.
  const uint64_t markers = expected.words - expected.weights;
  EXPECT_EQ(chain.packer.marker_cycles(), markers);
  EXPECT_EQ(chain.packer.cycles_busy(), expected.words + markers);
  EXPECT_EQ(chain.packer.last_flush_cycle(), expected.words + markers + 1);
  EXPECT_EQ(chain.packer.cycles_stalled(), 0u);
  EXPECT_GT(chain.encoder.cycles_stalled(), 0u);  // held back by the markers
  expect_cycles_accounted(chain.packer, chain.packer.last_flush_cycle());
  EXPECT_EQ(chain.packer.streams(), 1u);
  chain.encoder.print(std::cout);
  chain.packer.print(std::cout);
}

TEST(EncoderHw, RandomTagConfigsMatchPackStreamAndCycles) {
  std::mt19937 rng(4242);
  struct Case {
    CodeParams p;
    std::vector<int16_t> inputs;
    Expected expected;
    std::unique_ptr<EncoderChain> chain;
  };
  const uint64_t weights_per_stream = 700;  // three streams, each flushed on its own
  std::vector<Case> cases(6);
  for (size_t c = 0; c < cases.size(); ++c) {
    Case& k = cases[c];
    k.p = params(Format::tag, 2 + rng() % 7, 1 + rng() % 4, random_theta(rng), 1 + rng() % 64);
    for (int i = 0; i < 2100; ++i) k.inputs.push_back(static_cast<int16_t>(rng()));
    k.inputs[0] = -32768, k.inputs[1] = 0, k.inputs[2] = 32767, k.inputs[3] = 1;
    k.expected = reference(k.inputs, k.p, weights_per_stream);
    k.chain = std::make_unique<EncoderChain>(("chain" + std::to_string(c)).c_str(), k.p, k.inputs, weights_per_stream);
  }
  const std::string vcd = ::testing::TempDir() + "slq_encoder_trace";
  sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file(vcd.c_str());
  tf->set_time_unit(1, sc_core::SC_NS);
  cases[0].chain->encoder.trace(tf);
  sc_core::sc_start();
  sc_core::sc_close_vcd_trace_file(tf);

  for (const Case& k : cases) {
    SCOPED_TRACE(describe(k.p));
    const EncoderChain& chain = *k.chain;
    EXPECT_EQ(chain.sink.words, k.expected.memory);
    EXPECT_EQ(chain.encoder.words(), k.expected.words);
    // Tag: the packer takes one word per cycle, so nothing stalls. The first value, written in
    // cycle 0, is encoded from cycle 1 on: the last word leaves in cycle `words`, and the packer
    // writes the last memory word one cycle later.
    EXPECT_EQ(chain.encoder.cycles_busy(), k.expected.words);
    EXPECT_EQ(chain.encoder.last_word_cycle(), k.expected.words);
    EXPECT_EQ(chain.encoder.cycles_stalled(), 0u);
    EXPECT_EQ(chain.packer.cycles_busy(), k.expected.words);
    EXPECT_EQ(chain.packer.last_flush_cycle(), k.expected.words + 1);
    EXPECT_EQ(chain.packer.streams(), 3u);
    EXPECT_EQ(chain.packer.marker_cycles(), 0u);
  }
  std::FILE* f = std::fopen((vcd + ".vcd").c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::fseek(f, 0, SEEK_END);
  EXPECT_GT(std::ftell(f), 100);
  std::fclose(f);
}

TEST(EncoderHw, RandomStallsKeepWordsExact) {
  // MatchLib-style pacing: the source and the sink pause at random; the words must not change
  // and every cycle must still be accounted busy, stalled or idle.
  std::mt19937 rng(99);
  std::vector<std::unique_ptr<EncoderChain>> chains;
  std::vector<Expected> expected;
  const CodeParams configs[] = {params(Format::special, 5, 3, 0.0, 32), params(Format::tag, 4, 2, 0.001, 7),
                                params(Format::special, 3, 4, 0.0, 3)};
  for (const CodeParams& p : configs) {
    std::vector<int16_t> inputs;
    for (int i = 0; i < 3000; ++i) inputs.push_back(static_cast<int16_t>(rng()));
    expected.push_back(reference(inputs, p, 1000));
    // The smallest memory FIFO that cannot deadlock, so that the sink's pauses reach the packer.
    const int depth = PackerConfig{p, 1000}.max_words_per_cycle();
    chains.push_back(
        std::make_unique<EncoderChain>(("chain" + std::to_string(chains.size())).c_str(), p, inputs, 1000, depth));
    chains.back()->source.gap_probability = 0.2;
    chains.back()->sink.gap_probability = 0.3;
  }
  sc_core::sc_start();
  for (size_t c = 0; c < chains.size(); ++c) {
    SCOPED_TRACE(describe(configs[c]));
    const EncoderChain& chain = *chains[c];
    EXPECT_EQ(chain.sink.words, expected[c].memory);
    EXPECT_EQ(chain.encoder.cycles_busy(), expected[c].words);
    expect_cycles_accounted(chain.encoder, chain.encoder.last_word_cycle());
    expect_cycles_accounted(chain.packer, chain.packer.last_flush_cycle());
    EXPECT_GT(chain.packer.cycles_stalled(), 0u);  // the sink's pauses reach back
  }
}

// The path `slqsim encode` takes (tb::encode_streams), in every log format: the memory words of
// pack_stream on the encoder twin's words, and the cycles of models::encoder_cost.
TEST(EncoderHw, EveryLogFormatMatchesItsTwin) {
  std::mt19937 rng(5150);
  std::vector<std::vector<int16_t>> streams;
  std::vector<CodeParams> codes;
  for (Format f : {Format::tag, Format::special, Format::lq}) {
    for (int k = 0; k < 2; ++k) {
      CodeParams p = params(f, 3 + rng() % 5, 1 + rng() % 3, random_theta(rng), 5 + rng() % 60);
      p.max_words = p.words_limit();
      std::vector<int16_t> w;
      for (int i = 0; i < 500 + k * 77; ++i) w.push_back(static_cast<int16_t>(rng() % 3 == 0 ? 0 : rng() % 9000 - 4500));
      w.push_back(-32768);  // M is an ordinary code in lq
      streams.push_back(w);
      codes.push_back(p);
    }
  }
  const std::vector<tb::EncodedStream> out = tb::encode_streams(streams, codes);
  ASSERT_EQ(out.size(), streams.size());
  for (size_t i = 0; i < streams.size(); ++i) {
    SCOPED_TRACE(describe(codes[i]));
    WeightWords words;
    for (int16_t r : streams[i]) words.add(slq_encode_fixed(r, codes[i]));
    EXPECT_EQ(out[i].memory, pack_stream(words, codes[i]).mem);
    const EncoderCost twin = encoder_cost(words, codes[i].format);
    EXPECT_EQ(out[i].words, twin.words);
    EXPECT_EQ(out[i].marker_fields, twin.markers);
    EXPECT_EQ(out[i].cycles, twin.cycles);
  }
}

}  // namespace
}  // namespace slq
