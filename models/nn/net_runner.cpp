#include "models/nn/net_runner.h"

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

namespace slq {

NetworkRunner::NetworkRunner(const Network& net, const Calibration& cal, const ArrayParams& array,
                             std::vector<EncodingRun>& runs, bool keep_dumps)
    : net_(net), cal_(cal), array_(array), runs_(runs), keep_dumps_(keep_dumps) {
  for (EncodingRun& r : runs_) {
    r.layer_stats.assign(r.layers.size(), PassStats{});
    r.layer_macs.assign(r.layers.size(), 0);
    r.layer_passes.assign(r.layers.size(), 0);
    r.dumps.assign(r.layers.size(), {});
  }
}

std::vector<int64_t> NetworkRunner::dump_shape(size_t layer) const {
  return net_.ops[runs_.front().layers[layer].op_index].out_shape;
}

void NetworkRunner::run_batch(const Dataset& data, size_t first, size_t count, PassExecutor& exec) {
  const int P = array_.lanes;
  const int N = array_.stream_bits;
  const size_t E = runs_.size();
  check_dataset(net_, data);  // images of another size would be read and written out of bounds below
  if (first > data.size() || count > data.size() - first)
    throw std::out_of_range("run_batch: images " + std::to_string(first) + " + " + std::to_string(count) +
                            " of a data set of " + std::to_string(data.size()));
  if (count > static_cast<size_t>(P))
    throw std::out_of_range("run_batch: " + std::to_string(count) + " images for " + std::to_string(P) + " lanes");
  // acts[encoding][image]: the current activation tensor of each image, per encoding.
  std::vector<std::vector<std::vector<uint32_t>>> acts(E, std::vector<std::vector<uint32_t>>(count));
  for (size_t e = 0; e < E; ++e)
    for (size_t b = 0; b < count; ++b) acts[e][b] = pixels_to_activations(data, first + b, N);
  double act_scale = cal_.input_scale;
  std::vector<std::vector<std::vector<double>>> logits(E, std::vector<std::vector<double>>(count));
  std::vector<PassRequest> requests(E);
  std::vector<PassOutcome> outs(E);

  size_t layer = 0;
  for (size_t i = 0; i < net_.ops.size(); ++i) {
    const Op& op = net_.ops[i];
    // Every op below indexes its input by op.in_shape: a tensor of another size is a bug, not a read out of bounds.
    size_t in_values = 1;
    for (int64_t d : op.in_shape) in_values *= static_cast<size_t>(d);
    for (const auto& per_image : acts)
      for (const auto& a : per_image)
        if (a.size() != in_values)
          throw std::logic_error("run_batch: op '" + op.name + "' expects " + std::to_string(in_values) +
                                 " input values, got " + std::to_string(a.size()));
    if (op.kind == OpKind::maxpool || op.kind == OpKind::avgpool) {
      for (auto& per_image : acts)
        for (auto& a : per_image) a = pool(op, a);
      continue;
    }
    if (op.kind != OpKind::conv && op.kind != OpKind::dense) continue;  // relu fused below, flatten is a view
    const bool last = layer + 1 == runs_.front().layers.size();
    const int rows = runs_.front().layers[layer].rows, cols = runs_.front().layers[layer].cols;
    const int64_t positions = op.kind == OpKind::conv ? op.out_shape[1] * op.out_shape[2] : 1;
    // acc[encoding][image][row * positions + position]
    std::vector<std::vector<std::vector<int64_t>>> acc(
        E, std::vector<std::vector<int64_t>>(count, std::vector<int64_t>(static_cast<size_t>(rows * positions))));
    auto run_step = [&](size_t image, int64_t first_pos, int active, auto&& fill_lane, auto&& store_lane) {
      for (size_t e = 0; e < E; ++e) {
        PassRequest& r = requests[e];
        r.layer = &runs_[e].layers[layer];
        r.acts.assign(static_cast<size_t>(P) * cols, 0);
        r.active_lanes = active;
        r.first_image = image;
        r.first_position = first_pos;
        for (int lane = 0; lane < active; ++lane) fill_lane(e, lane, &r.acts[static_cast<size_t>(lane) * cols]);
      }
      exec.execute(requests, outs);
      for (size_t e = 0; e < E; ++e) ++runs_[e].layer_passes[layer];
      for (size_t e = 0; e < E; ++e) {
        runs_[e].layer_stats[layer] += outs[e].stats;
        for (int lane = 0; lane < active; ++lane)
          for (int row = 0; row < rows; ++row) store_lane(e, lane, row, outs[e].acc[static_cast<size_t>(row) * P + lane]);
      }
    };
    if (op.kind == OpKind::conv) {
      // im2col through a table of input indices, made once per layer and batch.
      const std::vector<int32_t> table = im2col_table(op);
      for (size_t b = 0; b < count; ++b)
        for (int64_t p0 = 0; p0 < positions; p0 += P) {
          const int active = static_cast<int>(std::min<int64_t>(P, positions - p0));
          run_step(first + b, p0, active,
                   [&](size_t e, int lane, uint32_t* col) {
                     const int32_t* index = &table[static_cast<size_t>((p0 + lane) * cols)];
                     const std::vector<uint32_t>& in = acts[e][b];
                     for (int k = 0; k < cols; ++k) col[k] = index[k] < 0 ? 0 : in[static_cast<size_t>(index[k])];
                   },
                   [&](size_t e, int lane, int row, int64_t v) { acc[e][b][static_cast<size_t>(row * positions + p0 + lane)] = v; });
        }
    } else {
      run_step(first, -1, static_cast<int>(count),
               [&](size_t e, int lane, uint32_t* col) { std::copy(acts[e][lane].begin(), acts[e][lane].end(), col); },
               [&](size_t e, int lane, int row, int64_t v) { acc[e][lane][static_cast<size_t>(row)] = v; });
    }
    // Post-processing (docs/networks.md): bias, then ReLU + requantization, or the logits of the last layer.
    const double out_scale = cal_.out_scale[i];
    for (size_t e = 0; e < E; ++e) {
      EncodingRun& run = runs_[e];
      const QuantLayer& q = run.layers[layer];
      run.layer_macs[layer] += static_cast<uint64_t>(count) * rows * positions * cols;
      for (size_t b = 0; b < count; ++b) {
        const std::vector<int64_t>& a = acc[e][b];
        if (keep_dumps_) {
          auto& d = run.dumps[layer];
          for (int64_t v : a) d.push_back(static_cast<int32_t>(v));
        }
        std::vector<double> y(a.size());
        for (int row = 0; row < rows; ++row)
          for (int64_t p = 0; p < positions; ++p) {
            const size_t at = static_cast<size_t>(row * positions + p);
            y[at] = double(a[at]) * q.row_scale[row] * act_scale + double(op.bias[row]);
          }
        if (last) {
          logits[e][b] = y;
        } else {
          std::vector<uint32_t>& next = acts[e][b];
          next.resize(y.size());
          for (size_t k = 0; k < y.size(); ++k) next[k] = requantize(y[k], out_scale, N);
        }
      }
    }
    if (!last) act_scale = out_scale;
    ++layer;
  }
  for (size_t e = 0; e < E; ++e)
    for (size_t b = 0; b < count; ++b) {
      const auto& l = logits[e][b];
      const int pred = static_cast<int>(std::max_element(l.begin(), l.end()) - l.begin());
      runs_[e].predictions.push_back(pred);
      runs_[e].correct += pred == data.labels[first + b];
    }
}

}  // namespace slq
