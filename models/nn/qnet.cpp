#include "models/nn/qnet.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "models/errors.h"
#include "models/nn/float_infer.h"
#include "models/interrupt.h"
#include "models/quant/quant.h"

namespace slq {

std::vector<size_t> compute_ops(const Network& net) {
  std::vector<size_t> out;
  for (size_t i = 0; i < net.ops.size(); ++i)
    if (is_compute(net.ops[i].kind)) out.push_back(i);
  return out;
}

ActivationPlan activation_plan(const Network& net) {
  const size_t n = net.ops.size();
  ActivationPlan plan{std::vector<bool>(n), std::vector<bool>(n), std::vector<bool>(n)};
  auto nonneg = [&](int p) { return p == kNetworkInput || plan.non_negative[size_t(p)]; };
  auto quantized = [&](int p) { return p == kNetworkInput || plan.quantized[size_t(p)]; };
  std::vector<bool> feeds_array(n, false);
  for (size_t i = 0; i < n; ++i)
    if (is_compute(net.ops[i].kind))
      for (int p : net.inputs_of(i))
        if (p != kNetworkInput) feeds_array[size_t(p)] = true;
  for (size_t i = 0; i < n; ++i) {
    const Op& op = net.ops[i];
    const std::vector<int> in = net.inputs_of(i);
    bool all_nonneg = true, all_q = true;
    for (int p : in) {
      all_nonneg = all_nonneg && nonneg(p);
      all_q = all_q && quantized(p);
    }
    bool nn = false, q = false, requant = false;
    switch (op.kind) {
      case OpKind::conv:
      case OpKind::dense:
      case OpKind::affine: break;
      case OpKind::relu: nn = requant = true; break;
      case OpKind::clip: nn = requant = op.clip_min >= 0; break;
      case OpKind::add: nn = all_nonneg; break;
      case OpKind::concat: nn = all_nonneg, requant = all_nonneg; break;
      case OpKind::leaky_relu:  // the identity on values that cannot be negative
      case OpKind::maxpool:
      case OpKind::avgpool:
      case OpKind::global_avgpool:
      case OpKind::flatten: nn = all_nonneg, q = all_q && all_nonneg; break;
    }
    // Real values the array reads are stored as N-bit activations where they are made.
    if (!q && nn && feeds_array[i]) requant = true;
    plan.non_negative[i] = nn;
    plan.requantized[i] = requant;
    plan.quantized[i] = q || requant;
  }
  return plan;
}

void check_mappable(const Network& net) {
  const auto compute = compute_ops(net);
  if (compute.empty()) throw InputError(net.path, "", "the model has no Conv, Gemm or MatMul to map onto the array");
  const ActivationPlan plan = activation_plan(net);
  for (size_t i : compute)
    for (int p : net.inputs_of(i))
      if (p != kNetworkInput && !plan.non_negative[size_t(p)])
        throw InputError(net.path, "node '" + net.ops[i].name + "'",
                         "reads the output of '" + net.ops[size_t(p)].name + "' (" + to_string(net.ops[size_t(p)].kind) +
                             "), which can be negative; the array's activations are unsigned N-bit integers: "
                             "put a Relu or Clip(min >= 0) between them");
}

double layer_output_scale(const Network& net, const Calibration& cal, size_t op) {
  for (size_t j = op + 1; j < net.ops.size(); ++j) {
    const std::vector<int> in = net.inputs_of(j);
    if (std::find(in.begin(), in.end(), int(op)) == in.end()) continue;
    const bool requantizes = net.ops[j].kind == OpKind::relu || net.ops[j].kind == OpKind::clip;
    return requantizes && net.readers_of(op) == 1 && j < cal.out_scale.size() ? cal.out_scale[j] : 0.0;
  }
  return 0.0;
}

namespace {

// Rows [row0, row1) of compute op `op_index` (the whole layer, or one group of a grouped
// convolution), with the scale of the whole layer, of each group, or of each row (below).
QuantLayer quantize_rows(const Network& net, size_t op_index, int row0, int row1, const QuantOptions& options) {
  const Op& op = net.ops[op_index];
  const CodeParams& p = options.code;
  // load_onnx rejects these; a Network built in code must not divide by zero or cast NaN either.
  if (op.weight_shape.empty() || op.weight_shape[0] < 1 || op.weight.empty() ||
      op.weight.size() % static_cast<size_t>(op.weight_shape[0]) != 0)
    throw InputError(net.path, "node '" + op.name + "'", "a layer needs at least one output and one input");
  for (float w : op.weight)
    if (!std::isfinite(w)) throw InputError(net.path, "node '" + op.name + "'", "weights must be finite");
  QuantLayer L;
  L.op_index = op_index;
  L.name = sanitize_name(op.name);
  L.rows = row1 - row0;
  L.cols = static_cast<int>(op.weight.size() / op.weight_shape[0]);
  L.image.layer = L.name;
  L.image.params = p;
  L.image.shape = op.weight_shape;
  L.image.shape[0] = L.rows;
  L.image.weight_count = static_cast<size_t>(L.rows) * static_cast<size_t>(L.cols);

  // Scale per layer (U = 2^u), per group of a grouped convolution, or per output channel; linear
  // uses S = max|w| / (2^N - 1) for the whole layer.
  auto max_abs = [&](size_t from, size_t to) {
    double m = 0;
    for (size_t i = from; i < to; ++i) m = std::max(m, std::fabs(double(op.weight[i])));
    return m;
  };
  const size_t per_row = static_cast<size_t>(L.cols);
  WeightWords words;
  double signal = 0, noise = 0;
  if (p.format == Format::linear) {
    const double step = linear_step(max_abs(0, op.weight.size()), p.stream_bits);
    L.image.linear_step = step;
    L.row_scale.assign(L.rows, step * double(1u << p.stream_bits));
    for (size_t i = row0 * per_row; i < row1 * per_row; ++i) {
      const float w = op.weight[i];
      const int q = linear_quantize(w, step, p.stream_bits);
      words.add({q});
      signal += double(w) * w;
      noise += (double(w) - q * step) * (double(w) - q * step);
    }
  } else {
    // The rows one scale covers: one (per channel), a group's (a grouped convolution's groups are
    // independent convolutions, each its own stream), or the whole layer.
    const int rows_total = static_cast<int>(op.weight_shape[0]);
    const int block = options.per_channel_scale ? 1 : op.group > 1 ? rows_total / op.group : rows_total;
    const bool one_scale = row1 - row0 <= block && row0 / block == (row1 - 1) / block;
    for (int r = row0; r < row1; ++r) {
      const size_t first = static_cast<size_t>(r / block * block) * per_row;
      L.image.scale_exponents.push_back(scale_exponent(max_abs(first, first + static_cast<size_t>(block) * per_row)));
      if (one_scale) break;  // the image stores one exponent: per layer
    }
    // The hardware encoder's path: Q1.15 weights through its LogQuant unit (bit for bit its twin,
    // slq_encode_fixed). Linear rounding has no hardware: the software quantizer on w / U.
    const bool by_encoder = p.rounding == Rounding::log;
    const LogQuantConfig encoder = by_encoder ? make_logquant_config(p) : LogQuantConfig{};
    for (int r = row0; r < row1; ++r) {
      const int u = L.image.scale_exponents[one_scale ? 0 : r - row0];
      const double U = std::ldexp(1.0, u);
      L.row_scale.push_back(U);
      for (size_t k = 0; k < per_row; ++k) {
        const double w = op.weight[r * per_row + k];
        std::vector<int> q;
        if (by_encoder) {
          L.fixed_weights.push_back(to_fixed(w / U));
          q = slq_encode_fixed(L.fixed_weights.back(), encoder);
        } else {
          q = slq_quantize(w / U, p);
        }
        words.add(q);
        const double back = slq_value(q) * U;
        signal += w * w;
        noise += (w - back) * (w - back);
      }
    }
  }
  L.code_words = words.words.size();
  if (!L.fixed_weights.empty()) L.encoder = encoder_cost(words, p.format);
  L.sqnr_db = noise > 0 ? 10.0 * std::log10(signal / noise) : INFINITY;
  L.image.stream = pack_stream(words, p);
  // The golden terms come from the quantizer's words, not from the packed image: the decoder is
  // checked against something that did not go through it.
  L.terms = stream_terms(words, p);
  return L;
}

}  // namespace

QuantLayer quantize_layer(const Network& net, size_t op_index, const QuantOptions& options) {
  const Op& op = net.ops[op_index];
  // load_onnx rejects these; a Network built in code must not divide by zero either.
  if (op.weight_shape.empty() || op.weight_shape[0] < 1 || op.group < 1 || op.weight_shape[0] % op.group != 0)
    throw InputError(net.path, "node '" + op.name + "'", "a layer needs at least one output per group");
  const int rows = static_cast<int>(op.weight_shape[0]);
  QuantLayer L = quantize_rows(net, op_index, 0, rows, options);
  if (op.group > 1) {
    const int per_group = rows / op.group;
    for (int g = 0; g < op.group; ++g) {
      L.groups.push_back(quantize_rows(net, op_index, g * per_group, (g + 1) * per_group, options));
      L.groups.back().name = L.name + ".g" + std::to_string(g);
      L.groups.back().image.layer = L.groups.back().name;
    }
  }
  return L;
}

std::vector<QuantLayer> quantize_network(const Network& net, const QuantOptions& options) {
  options.code.validate();
  std::vector<QuantLayer> out;
  for (size_t i : compute_ops(net)) out.push_back(quantize_layer(net, i, options));
  return out;
}

void check_dataset(const Network& net, const Dataset& data) {
  const size_t pixels = size_t(data.rows) * size_t(data.cols);
  size_t values = 1;
  std::string shape;
  for (int64_t d : net.input_shape) {
    values *= size_t(d);
    shape += (shape.empty() ? "" : "x") + std::to_string(d);
  }
  const size_t n = net.input_shape.size();
  const bool geometry_ok = n != 3 || (net.input_shape[1] == data.rows && net.input_shape[2] == data.cols);
  if (pixels == values && geometry_ok) return;
  throw InputError(data.path.empty() ? "data set" : data.path, "header",
                   "the images are " + std::to_string(data.rows) + "x" + std::to_string(data.cols) + " (" +
                       std::to_string(pixels) + " values), but the model " + net.path + " expects an input of " +
                       shape + " (" + std::to_string(values) + " values)");
}

void check_training_set(const Network& net, const Dataset& train) {
  check_dataset(net, train);
  if (train.size() == 0)
    throw InputError(train.path.empty() ? "training set" : train.path, "",
                     "no training images to calibrate the activation scales on (at least 1 needed)");
}

Calibration calibrate(const Network& net, const Dataset& train, size_t images, int stream_bits, double percentile) {
  check_training_set(net, train);
  if (images == 0) throw std::invalid_argument("calibrate: 0 images requested");
  Calibration cal;
  cal.input_scale = 1.0 / double((1u << stream_bits) - 1);
  cal.out_scale.assign(net.ops.size(), 0.0);
  cal.images = static_cast<int>(std::min(images, train.size()));
  cal.percentile = percentile;
  const ActivationPlan plan = activation_plan(net);
  std::vector<std::vector<float>> samples(net.ops.size());
  const size_t pixels = size_t(train.rows) * train.cols;
  std::vector<std::vector<float>> outputs;
  for (int n = 0; n < cal.images; ++n) {
    throw_if_interrupted();
    forward_float(net, image_to_input(train.image(n), pixels), &outputs);
    for (size_t i = 0; i < net.ops.size(); ++i)
      if (plan.requantized[i]) samples[i].insert(samples[i].end(), outputs[i].begin(), outputs[i].end());
  }
  for (size_t i = 0; i < net.ops.size(); ++i) {
    auto& s = samples[i];
    if (s.empty()) continue;
    const size_t at = std::min(s.size() - 1, static_cast<size_t>(percentile / 100.0 * double(s.size())));
    std::nth_element(s.begin(), s.begin() + at, s.end());
    const double top = std::max(1e-6, double(s[at]));
    cal.out_scale[i] = top / double((1u << stream_bits) - 1);
  }
  return cal;
}

std::vector<uint32_t> pixels_to_activations(const Dataset& data, size_t image, int stream_bits) {
  const size_t n = size_t(data.rows) * size_t(data.cols);
  if (image >= data.size() || data.pixels.size() < (image + 1) * n)
    throw std::out_of_range("pixels_to_activations: image " + std::to_string(image) + " of a data set of " +
                            std::to_string(data.size()));
  if (stream_bits < 1 || stream_bits > 16)
    throw std::out_of_range("pixels_to_activations: stream_bits " + std::to_string(stream_bits));
  const uint8_t* pixels = data.image(image);
  std::vector<uint32_t> out(n);
  const uint32_t hi = (1u << stream_bits) - 1;
  for (size_t i = 0; i < n; ++i)
    out[i] = stream_bits == 8 ? pixels[i] : static_cast<uint32_t>((uint64_t(pixels[i]) * hi * 2 + 255) / 510);
  return out;
}

namespace {

// Pooling of N-bit activations (sums in 64 bits, averages rounded half up) or of real values.
template <class T>
std::vector<T> pool_values(const Op& op, const std::vector<T>& in) {
  using Sum = std::conditional_t<std::is_integral_v<T>, uint64_t, double>;
  auto average = [](Sum sum, uint64_t count) -> T {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(count ? (sum * 2 + count) / (2 * count) : 0);
    else return count ? sum / double(count) : 0.0;
  };
  if (op.kind == OpKind::global_avgpool) {  // the mean of each channel
    const size_t C = static_cast<size_t>(op.in_shape[0]), plane = in.size() / C;
    std::vector<T> out(C);
    for (size_t c = 0; c < C; ++c) {
      Sum sum = 0;
      for (size_t k = 0; k < plane; ++k) sum += in[c * plane + k];
      out[c] = average(sum, plane);
    }
    return out;
  }
  const int64_t C = op.in_shape[0], H = op.in_shape[1], Wd = op.in_shape[2];
  const int64_t OH = op.out_shape[1], OW = op.out_shape[2];
  std::vector<T> out(static_cast<size_t>(C * OH * OW));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        T best = std::is_integral_v<T> ? T(0) : T(-INFINITY);
        Sum sum = 0;
        uint64_t count = 0;
        for (int ky = 0; ky < op.kernel_h; ++ky)
          for (int kx = 0; kx < op.kernel_w; ++kx) {
            const int64_t y = oy * op.stride_h - op.pad_top + ky, x = ox * op.stride_w - op.pad_left + kx;
            if (y < 0 || y >= H || x < 0 || x >= Wd) {
              if (op.count_include_pad) ++count;  // padding counts as 0
              continue;
            }
            const T v = in[static_cast<size_t>((c * H + y) * Wd + x)];
            best = std::max(best, v);
            sum += v;
            ++count;
          }
        out[static_cast<size_t>((c * OH + oy) * OW + ox)] = op.kind == OpKind::maxpool ? best : average(sum, count);
      }
  return out;
}

}  // namespace

std::vector<uint32_t> pool(const Op& op, const std::vector<uint32_t>& in) { return pool_values(op, in); }
std::vector<double> pool(const Op& op, const std::vector<double>& in) { return pool_values(op, in); }

std::vector<int32_t> im2col_table(const Op& op, int group) {
  const int64_t C = op.in_shape[0] / op.group, H = op.in_shape[1], Wd = op.in_shape[2];
  const int64_t c0 = int64_t(group) * C;
  const int64_t OW = op.out_shape[2], positions = op.out_shape[1] * op.out_shape[2];
  const int KH = static_cast<int>(op.weight_shape[2]), KW = static_cast<int>(op.weight_shape[3]);
  std::vector<int32_t> table;
  table.reserve(static_cast<size_t>(positions * C * KH * KW));
  for (int64_t pos = 0; pos < positions; ++pos) {
    const int64_t oy = pos / OW, ox = pos % OW;
    for (int64_t c = 0; c < C; ++c)
      for (int ky = 0; ky < KH; ++ky)
        for (int kx = 0; kx < KW; ++kx) {
          const int64_t y = oy * op.stride_h - op.pad_top + ky, x = ox * op.stride_w - op.pad_left + kx;
          table.push_back((y < 0 || y >= H || x < 0 || x >= Wd) ? -1 : static_cast<int32_t>(((c0 + c) * H + y) * Wd + x));
        }
  }
  return table;
}

void im2col_position(const Op& op, const std::vector<uint32_t>& in, int64_t pos, uint32_t* column_out, int group) {
  const int64_t C = op.in_shape[0] / op.group, H = op.in_shape[1], Wd = op.in_shape[2];
  const int64_t c0 = int64_t(group) * C;
  const int64_t OW = op.out_shape[2];
  const int64_t oy = pos / OW, ox = pos % OW;
  const int KH = static_cast<int>(op.weight_shape[2]), KW = static_cast<int>(op.weight_shape[3]);
  size_t k = 0;
  for (int64_t c = 0; c < C; ++c)
    for (int ky = 0; ky < KH; ++ky)
      for (int kx = 0; kx < KW; ++kx, ++k) {
        const int64_t y = oy * op.stride_h - op.pad_top + ky, x = ox * op.stride_w - op.pad_left + kx;
        column_out[k] = (y < 0 || y >= H || x < 0 || x >= Wd) ? 0 : in[static_cast<size_t>(((c0 + c) * H + y) * Wd + x)];
      }
}

}  // namespace slq
