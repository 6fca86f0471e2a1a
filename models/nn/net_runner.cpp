#include "models/nn/net_runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

namespace slq {

NetworkRunner::NetworkRunner(const Network& net, const Calibration& cal, const ArrayParams& array,
                             std::vector<EncodingRun>& runs, bool keep_dumps)
    : net_(net), cal_(cal), array_(array), runs_(runs), keep_dumps_(keep_dumps), plan_(activation_plan(net)),
      last_read_(net.ops.size(), net.ops.size()) {
  for (size_t i = 0; i < net_.ops.size(); ++i)
    for (int p : net_.inputs_of(i))
      if (p != kNetworkInput) last_read_[static_cast<size_t>(p)] = i;
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

namespace {

// One op's output for one image in one encoding: N-bit activations with their scale, or the
// digital unit's real values (docs/networks.md, "Digital ops").
struct Tensor {
  bool quantized = false;
  std::vector<uint32_t> q;
  double scale = 0;
  std::vector<double> r;
  std::vector<double> real() const {
    std::vector<double> v;
    append_to(v);
    return v;
  }
  // acc[k] += this tensor's real value k, without a copy of it (the values append_to gives).
  void add_to(std::vector<double>& acc) const {
    if ((quantized ? q.size() : r.size()) != acc.size()) throw std::logic_error("Tensor::add_to: sizes differ");
    if (quantized)
      for (size_t k = 0; k < q.size(); ++k) acc[k] += double(q[k]) * scale;
    else
      for (size_t k = 0; k < r.size(); ++k) acc[k] += r[k];
  }
  // Appends this tensor's real values (N-bit activations times their scale) to v.
  void append_to(std::vector<double>& v) const {
    if (!quantized) {
      v.insert(v.end(), r.begin(), r.end());
      return;
    }
    v.reserve(v.size() + q.size());
    for (uint32_t x : q) v.push_back(double(x) * scale);
  }
};

// A digital op on one image: integer pooling on N-bit activations, everything else on real
// values, and a requantization where the plan stores N-bit activations.
template <class Input>
Tensor digital(const Network& net, const Calibration& cal, const ActivationPlan& plan, size_t i, int N, Input&& input) {
  const Op& op = net.ops[i];
  const std::vector<int> from = net.inputs_of(i);
  const Tensor& in = input(from[0]);
  Tensor t;
  switch (op.kind) {
    case OpKind::flatten:  // a view: requantized below only if the plan stores its real values
      if (in.quantized) return in;
      t.r = in.r;
      break;
    case OpKind::leaky_relu:
      if (in.quantized) return in;  // N-bit activations are not negative
      t.r = in.r;
      for (double& v : t.r) v = v < 0 ? v * double(op.alpha) : v;
      break;
    case OpKind::maxpool:
    case OpKind::avgpool:
    case OpKind::global_avgpool:
      if (in.quantized) {
        t.quantized = true;
        t.q = pool(op, in.q);
        t.scale = in.scale;
        return t;
      }
      t.r = pool(op, in.r);
      break;
    case OpKind::relu: t.r = in.real(); break;  // the requantization below clamps at 0
    case OpKind::clip:
      t.r = in.real();
      for (double& v : t.r) v = std::min(std::max(v, double(op.clip_min)), double(op.clip_max));
      break;
    case OpKind::affine: {
      t.r = in.real();
      const size_t plane = t.r.size() / op.scale.size();
      for (size_t k = 0; k < t.r.size(); ++k) t.r[k] = t.r[k] * double(op.scale[k / plane]) + double(op.shift[k / plane]);
      break;
    }
    case OpKind::add:
      t.r = in.real();
      for (size_t k = 1; k < from.size(); ++k) input(from[k]).add_to(t.r);
      break;
    case OpKind::concat:
      for (int p : from) input(p).append_to(t.r);
      break;
    case OpKind::conv:
    case OpKind::dense: throw std::logic_error("digital: op '" + op.name + "' runs on the array");
  }
  if (plan.requantized[i]) {  // stored as N-bit activations at this op's calibrated scale
    t.quantized = true;
    t.scale = cal.out_scale[i];
    t.q.resize(t.r.size());
    for (size_t k = 0; k < t.r.size(); ++k) t.q[k] = requantize(t.r[k], t.scale, N);
    t.r.clear();
  }
  return t;
}

}  // namespace

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
  const ActivationPlan& plan = plan_;
  // out[encoding][image][op]: every op's output; the network input is its own tensor.
  std::vector<std::vector<Tensor>> inputs(E, std::vector<Tensor>(count));
  std::vector<std::vector<std::vector<Tensor>>> out(E, std::vector<std::vector<Tensor>>(count, std::vector<Tensor>(net_.ops.size())));
  for (size_t e = 0; e < E; ++e)
    for (size_t b = 0; b < count; ++b) {
      inputs[e][b].quantized = true;
      inputs[e][b].q = pixels_to_activations(data, first + b, N);
      inputs[e][b].scale = cal_.input_scale;
    }
  auto tensor = [&](size_t e, size_t b, int producer) -> const Tensor& {
    return producer == kNetworkInput ? inputs[e][b] : out[e][b][static_cast<size_t>(producer)];
  };
  std::vector<PassRequest> requests(E);
  std::vector<PassOutcome> outs(E);

  auto free_inputs_of = [&](size_t i) {
    for (int p : net_.inputs_of(i))
      if (p != kNetworkInput && last_read_[static_cast<size_t>(p)] == i)
        for (auto& per_image : out)
          for (auto& ops : per_image) ops[static_cast<size_t>(p)] = Tensor{};
  };

  size_t layer = 0;
  for (size_t i = 0; i < net_.ops.size(); ++i) {
    const Op& op = net_.ops[i];
    const std::vector<int> from = net_.inputs_of(i);
    // Every op below indexes its input by op.in_shape: a tensor of another size is a bug, not a read out of bounds.
    size_t in_values = 1;
    for (int64_t d : op.in_shape) in_values *= static_cast<size_t>(d);
    for (size_t e = 0; e < E; ++e)
      for (size_t b = 0; b < count; ++b) {
        const Tensor& t = tensor(e, b, from[0]);
        if ((t.quantized ? t.q.size() : t.r.size()) != in_values)
          throw std::logic_error("run_batch: op '" + op.name + "' expects " + std::to_string(in_values) + " input values");
        if (is_compute(op.kind) && !t.quantized)  // activation_plan stores what the array reads as N-bit
          throw std::logic_error("run_batch: op '" + op.name + "' reads real values, not N-bit activations");
      }
    if (!is_compute(op.kind)) {
      for (size_t e = 0; e < E; ++e)
        for (size_t b = 0; b < count; ++b) out[e][b][i] = digital(net_, cal_, plan, i, N, [&](int p) -> const Tensor& { return tensor(e, b, p); });
      free_inputs_of(i);
      continue;
    }
    const int rows = runs_.front().layers[layer].rows, cols = runs_.front().layers[layer].cols;
    const int64_t positions = op.kind == OpKind::conv ? op.out_shape[1] * op.out_shape[2] : 1;
    const int groups = op.kind == OpKind::conv ? op.group : 1;
    const int group_rows = rows / groups;
    // acc[encoding][image][row * positions + position]
    std::vector<std::vector<std::vector<int64_t>>> acc(
        E, std::vector<std::vector<int64_t>>(count, std::vector<int64_t>(static_cast<size_t>(rows * positions))));
    auto run_step = [&](int group, size_t image, int64_t first_pos, int active, auto&& fill_lane, auto&& store_lane) {
      for (size_t e = 0; e < E; ++e) {
        PassRequest& r = requests[e];
        const QuantLayer& q = runs_[e].layers[layer];
        r.layer = groups > 1 ? &q.groups[static_cast<size_t>(group)] : &q;
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
          for (int row = 0; row < group_rows; ++row)
            store_lane(e, lane, group * group_rows + row, outs[e].acc[static_cast<size_t>(row) * P + lane]);
      }
    };
    if (op.kind == OpKind::conv) {
      // im2col through a table of input indices, made once per layer, group and batch. A group's
      // stream runs against its own input channels: lanes are output positions, as without groups.
      for (int g = 0; g < groups; ++g) {
        const std::vector<int32_t> table = im2col_table(op, g);
        for (size_t b = 0; b < count; ++b)
          for (int64_t p0 = 0; p0 < positions; p0 += P) {
            const int active = static_cast<int>(std::min<int64_t>(P, positions - p0));
            run_step(g, first + b, p0, active,
                     [&](size_t e, int lane, uint32_t* col) {
                       const int32_t* index = &table[static_cast<size_t>((p0 + lane) * cols)];
                       const std::vector<uint32_t>& in = tensor(e, b, from[0]).q;
                       for (int k = 0; k < cols; ++k) col[k] = index[k] < 0 ? 0 : in[static_cast<size_t>(index[k])];
                     },
                     [&](size_t e, int lane, int row, int64_t v) { acc[e][b][static_cast<size_t>(row * positions + p0 + lane)] = v; });
          }
      }
    } else {
      run_step(0, first, -1, static_cast<int>(count),
               [&](size_t e, int lane, uint32_t* col) {
                 const std::vector<uint32_t>& in = tensor(e, static_cast<size_t>(lane), from[0]).q;
                 std::copy(in.begin(), in.end(), col);
               },
               [&](size_t e, int lane, int row, int64_t v) { acc[e][lane][static_cast<size_t>(row)] = v; });
    }
    // The digital unit: bias, then the ops that follow (docs/networks.md).
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
        const double act_scale = tensor(e, b, from[0]).scale;
        Tensor& y = out[e][b][i];
        y.r.resize(a.size());
        for (int row = 0; row < rows; ++row)
          for (int64_t p = 0; p < positions; ++p) {
            const size_t at = static_cast<size_t>(row * positions + p);
            y.r[at] = double(a[at]) * q.row_scale[row] * act_scale + double(op.bias[row]);
          }
      }
    }
    free_inputs_of(i);
    ++layer;
  }
  for (size_t e = 0; e < E; ++e)
    for (size_t b = 0; b < count; ++b) {
      const std::vector<double> l = out[e][b].back().real();
      const int pred = static_cast<int>(std::max_element(l.begin(), l.end()) - l.begin());
      runs_[e].predictions.push_back(pred);
      runs_[e].correct += pred == data.labels[first + b];
    }
}

}  // namespace slq
