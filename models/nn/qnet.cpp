#include "models/nn/qnet.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "models/errors.h"
#include "models/nn/float_infer.h"
#include "models/interrupt.h"
#include "models/quant/quant.h"

namespace slq {

std::vector<size_t> compute_ops(const Network& net) {
  std::vector<size_t> out;
  for (size_t i = 0; i < net.ops.size(); ++i)
    if (net.ops[i].kind == OpKind::conv || net.ops[i].kind == OpKind::dense) out.push_back(i);
  return out;
}

void check_mappable(const Network& net) {
  const auto compute = compute_ops(net);
  if (compute.empty()) throw InputError(net.path, "", "the model has no Conv, Gemm or MatMul to map onto the array");
  for (size_t k = 0; k < compute.size(); ++k) {
    const size_t i = compute[k];
    const Op& op = net.ops[i];
    if (k + 1 < compute.size()) {
      if (i + 1 >= net.ops.size() || net.ops[i + 1].kind != OpKind::relu)
        throw InputError(net.path, "node '" + op.name + "'",
                         "must be followed by Relu: the array's activations are unsigned N-bit integers");
    } else if (i + 1 != net.ops.size()) {
      throw InputError(net.path, "node '" + net.ops[i + 1].name + "'",
                       "the last Conv/Gemm must end the network (its outputs are the logits)");
    }
  }
}

QuantLayer quantize_layer(const Network& net, size_t op_index, const QuantOptions& options) {
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
  L.rows = static_cast<int>(op.weight_shape[0]);
  L.cols = static_cast<int>(op.weight.size() / op.weight_shape[0]);
  L.image.layer = L.name;
  L.image.params = p;
  L.image.shape = op.weight_shape;
  L.image.weight_count = op.weight.size();

  // Scale per layer (U = 2^u) or per output channel; linear uses S = max|w| / (2^N - 1).
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
    for (float w : op.weight) {
      const int q = linear_quantize(w, step, p.stream_bits);
      words.add({q});
      signal += double(w) * w;
      noise += (double(w) - q * step) * (double(w) - q * step);
    }
  } else {
    if (options.per_channel_scale) {
      for (int r = 0; r < L.rows; ++r) L.image.scale_exponents.push_back(scale_exponent(max_abs(r * per_row, (r + 1) * per_row)));
    } else {
      L.image.scale_exponents.push_back(scale_exponent(max_abs(0, op.weight.size())));
    }
    // The hardware encoder's path: Q1.15 weights through its LogQuant unit (bit for bit its twin,
    // slq_encode_fixed). Linear rounding has no hardware: the software quantizer on w / U.
    const bool by_encoder = p.rounding == Rounding::log;
    const LogQuantConfig encoder = by_encoder ? make_logquant_config(p) : LogQuantConfig{};
    for (int r = 0; r < L.rows; ++r) {
      const int u = L.image.scale_exponents[options.per_channel_scale ? r : 0];
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
  const auto compute = compute_ops(net);
  std::vector<std::vector<float>> samples(net.ops.size());
  const size_t pixels = size_t(train.rows) * train.cols;
  std::vector<std::vector<float>> outputs;
  for (int n = 0; n < cal.images; ++n) {
    throw_if_interrupted();
    forward_float(net, image_to_input(train.image(n), pixels), &outputs);
    for (size_t k = 0; k + 1 < compute.size(); ++k) {
      const auto& post_relu = outputs[compute[k] + 1];
      samples[compute[k]].insert(samples[compute[k]].end(), post_relu.begin(), post_relu.end());
    }
  }
  for (size_t k = 0; k + 1 < compute.size(); ++k) {
    auto& s = samples[compute[k]];
    if (s.empty()) continue;
    const size_t at = std::min(s.size() - 1, static_cast<size_t>(percentile / 100.0 * double(s.size())));
    std::nth_element(s.begin(), s.begin() + at, s.end());
    const double top = std::max(1e-6, double(s[at]));
    cal.out_scale[compute[k]] = top / double((1u << stream_bits) - 1);
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

std::vector<uint32_t> pool(const Op& op, const std::vector<uint32_t>& in) {
  const int64_t C = op.in_shape[0], H = op.in_shape[1], Wd = op.in_shape[2];
  const int64_t OH = op.out_shape[1], OW = op.out_shape[2];
  std::vector<uint32_t> out(static_cast<size_t>(C * OH * OW));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        uint64_t best = 0, sum = 0, count = 0;
        for (int ky = 0; ky < op.kernel_h; ++ky)
          for (int kx = 0; kx < op.kernel_w; ++kx) {
            const int64_t y = oy * op.stride_h - op.pad_top + ky, x = ox * op.stride_w - op.pad_left + kx;
            if (y < 0 || y >= H || x < 0 || x >= Wd) {
              if (op.count_include_pad) ++count;  // padding counts as 0
              continue;
            }
            const uint32_t v = in[static_cast<size_t>((c * H + y) * Wd + x)];
            best = std::max<uint64_t>(best, v);
            sum += v;
            ++count;
          }
        out[static_cast<size_t>((c * OH + oy) * OW + ox)] =
            static_cast<uint32_t>(op.kind == OpKind::maxpool ? best : (count ? (sum * 2 + count) / (2 * count) : 0));
      }
  return out;
}

std::vector<int32_t> im2col_table(const Op& op) {
  const int64_t C = op.in_shape[0], H = op.in_shape[1], Wd = op.in_shape[2];
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
          table.push_back((y < 0 || y >= H || x < 0 || x >= Wd) ? -1 : static_cast<int32_t>((c * H + y) * Wd + x));
        }
  }
  return table;
}

void im2col_position(const Op& op, const std::vector<uint32_t>& in, int64_t pos, uint32_t* column_out) {
  const int64_t C = op.in_shape[0], H = op.in_shape[1], Wd = op.in_shape[2];
  const int64_t OW = op.out_shape[2];
  const int64_t oy = pos / OW, ox = pos % OW;
  const int KH = static_cast<int>(op.weight_shape[2]), KW = static_cast<int>(op.weight_shape[3]);
  size_t k = 0;
  for (int64_t c = 0; c < C; ++c)
    for (int ky = 0; ky < KH; ++ky)
      for (int kx = 0; kx < KW; ++kx, ++k) {
        const int64_t y = oy * op.stride_h - op.pad_top + ky, x = ox * op.stride_w - op.pad_left + kx;
        column_out[k] = (y < 0 || y >= H || x < 0 || x >= Wd) ? 0 : in[static_cast<size_t>((c * H + y) * Wd + x)];
      }
}

}  // namespace slq
