// Runs images through a quantized network pass by pass, for several encodings side by side.
// Who executes a pass is abstract: the golden model here (--sim-mode model) or the SystemC
// accelerators (tb/), which then check every pass against the golden model.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/idx.h"
#include "models/network.h"
#include "models/pass_stats.h"
#include "models/qnet.h"

namespace slq {

// One pass for one encoding: a layer's stream against P lanes of activations.
struct PassRequest {
  const QuantLayer* layer = nullptr;
  std::vector<uint32_t> acts;  // lanes x cols
  int active_lanes = 0;
  // Where the pass sits, for messages: lanes are images (dense) or output positions (conv).
  size_t first_image = 0;
  int64_t first_position = -1;  // -1 for dense
};
struct PassOutcome {
  std::vector<int64_t> acc;  // rows x lanes
  PassStats stats;
};

class PassExecutor {
 public:
  virtual ~PassExecutor() = default;
  // Runs one pass per encoding (all in the same step); outs is resized by the caller.
  virtual void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) = 0;
};

// The golden model as an executor (no time): busy cycles and saturations only.
class GoldenExecutor : public PassExecutor {
 public:
  explicit GoldenExecutor(const ArrayParams& array) : array_(array), sng_(array) {}
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override;
  static PassOutcome run_one(const PassRequest& r, const ArrayParams& a, const SngBank& sng);

 private:
  ArrayParams array_;
  SngBank sng_;
};

struct EncodingRun {
  std::string name;
  std::vector<QuantLayer> layers;                 // compute ops in order
  std::vector<PassStats> layer_stats;             // per layer
  std::vector<uint64_t> layer_macs;               // per layer
  std::vector<std::vector<int32_t>> dumps;        // per layer: images x outputs (ONNX layout)
  std::vector<int> predictions;                   // per image
  uint64_t correct = 0;
  double sim_wall_seconds = 0;
};

class NetworkRunner {
 public:
  NetworkRunner(const Network& net, const Calibration& cal, const ArrayParams& array, std::vector<EncodingRun>& runs,
                bool keep_dumps);
  // Runs images [first, first + count) (count <= lanes, one batch) through every encoding.
  void run_batch(const Dataset& data, size_t first, size_t count, PassExecutor& exec);
  // Per-layer output shape of the dumps (without the image dimension).
  std::vector<int64_t> dump_shape(size_t layer) const;

 private:
  const Network& net_;
  const Calibration& cal_;
  ArrayParams array_;
  std::vector<EncodingRun>& runs_;
  bool keep_dumps_;
};

}  // namespace slq
