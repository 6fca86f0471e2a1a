// Random layers and their golden results for the accelerator tests.
#pragma once
#include <random>
#include <vector>

#include "hw/accelerator.h"
#include "models/codec/codec.h"
#include "models/nn/executor.h"
#include "models/quant/quant.h"
#include "models/sc/sc_layer.h"
#include "tb/pass_driver.h"

namespace slq::test {

struct RandomLayer {
  CodeParams code;
  int rows = 0, cols = 0;
  WeightWords words;
  PackedStream stream;
  std::vector<uint32_t> acts;  // lanes x cols
};

// Weights drawn from a Laplace-like distribution (as trained weights are), quantized in `code`.
inline RandomLayer random_layer(std::mt19937_64& rng, CodeParams code, int rows, int cols, int lanes) {
  RandomLayer L;
  L.code = code;
  L.rows = rows;
  L.cols = cols;
  std::exponential_distribution<double> mag(6.0);
  std::bernoulli_distribution neg(0.5), zero(0.1);
  for (int i = 0; i < rows * cols; ++i) {
    double x = zero(rng) ? 0.0 : std::min(0.99, mag(rng)) * (neg(rng) ? -1 : 1);
    if (code.format == Format::linear)
      L.words.add({linear_quantize(x, linear_step(1.0, code.stream_bits), code.stream_bits)});
    else
      L.words.add(slq_quantize(x, code));
  }
  L.stream = pack_stream(L.words, code);
  std::uniform_int_distribution<uint32_t> act(0, (1u << code.stream_bits) - 1);
  L.acts.resize(static_cast<size_t>(lanes) * cols);
  for (auto& a : L.acts) a = act(rng);
  return L;
}

inline PassJob job_of(const RandomLayer& L, int lanes) {
  PassJob j;
  j.memory = &L.stream.mem;
  j.code = L.code;
  j.weight_count = L.words.weight_count();
  j.rows = L.rows;
  j.cols = L.cols;
  j.acts = &L.acts;
  j.active_lanes = lanes;
  return j;
}

// The golden model takes its terms from the quantizer's words, not from the decoded stream.
inline PassResult golden_of(const RandomLayer& L, const ArrayParams& a) {
  return golden_pass(stream_terms(L.words, L.code), L.rows, L.cols, L.acts, a, SngBank(a));
}

using slq::PassOutcome;

// Runs each layer as one pass on every configuration (accelerators in lockstep, one elaboration).
// out[config][layer].
inline std::vector<std::vector<PassOutcome>> run_layers(const std::vector<hw::AccelConfig>& configs,
                                                        const std::vector<RandomLayer>& layers,
                                                        const std::vector<tb::StallSources>& stalls = {}) {
  std::vector<std::vector<PassOutcome>> out(configs.size());
  size_t next = 0;
  tb::run_passes(
      configs,
      [&](tb::StepJobs& step) {
        if (next == layers.size()) return false;
        for (size_t i = 0; i < configs.size(); ++i) step.jobs[i] = job_of(layers[next], configs[i].array.lanes);
        ++next;
        return true;
      },
      [&](size_t accel, const std::vector<int64_t>& acc, const hw::PassStats& stats) {
        out[accel].push_back({acc, stats});
      },
      nullptr, {}, stalls);
  return out;
}

// The whole-pass view (models::FastExecutor) of the same layers on `config`'s pipeline.
inline std::vector<PassOutcome> fast_layers(const hw::AccelConfig& config, const std::vector<RandomLayer>& layers) {
  FastExecutor fast(config.array, config.fields_per_cycle, config.fifo_depth);
  std::vector<PassOutcome> out;
  for (const RandomLayer& L : layers) out.push_back(fast.run(job_of(L, config.array.lanes)));
  return out;
}

}  // namespace slq::test
