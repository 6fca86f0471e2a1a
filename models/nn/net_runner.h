// Runs images through a quantized network pass by pass, for several encodings side by side.
// Who executes a pass is abstract (models/nn/executor.h): the golden model, the whole-pass fast
// view, or the SystemC accelerators (tb/).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/nn/executor.h"
#include "models/nn/dataset.h"
#include "models/nn/network.h"
#include "models/pipeline/pass_stats.h"
#include "models/nn/qnet.h"

namespace slq {

struct EncodingRun {
  std::string name;
  std::vector<QuantLayer> layers;                 // compute ops in order
  std::vector<PassStats> layer_stats;             // per layer
  std::vector<uint64_t> layer_macs;               // per layer
  std::vector<uint64_t> layer_passes;             // per layer: passes run (for the binary baseline)
  std::vector<std::vector<int32_t>> dumps;        // per layer: images x outputs (ONNX layout)
  std::vector<int> predictions;                   // per image
  uint64_t correct = 0;
  double sim_wall_seconds = 0;
  // W-bit words of the network's image in this encoding (what the weight memory holds).
  uint64_t memory_words() const {
    uint64_t words = 0;
    for (const QuantLayer& q : layers)
      if (q.groups.empty()) {
        words += q.image.stream.mem.size();
      } else {
        for (const QuantLayer& g : q.groups) words += g.image.stream.mem.size();  // each group word-aligned
      }
    return words;
  }
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
  // What the graph decides once, not per batch: where N-bit activations are stored, and the last
  // op that reads each op's output (after it the tensor is freed).
  ActivationPlan plan_;
  std::vector<size_t> last_read_;
};

}  // namespace slq
