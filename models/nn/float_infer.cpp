#include "models/nn/float_infer.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace slq {
namespace {

size_t element_count(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= size_t(d);
  return n;
}

// Accumulates in double so the reference is as close to exact as PyTorch's float result.
std::vector<float> conv(const Op& op, const std::vector<float>& in) {
  const int64_t channels = op.in_shape[0], in_h = op.in_shape[1], in_w = op.in_shape[2];
  const int64_t outs = op.out_shape[0], out_h = op.out_shape[1], out_w = op.out_shape[2];
  // Group g: output channels [g O/G, (g+1) O/G) read input channels [g C/G, (g+1) C/G).
  const int64_t group_in = channels / op.group, group_out = outs / op.group;
  std::vector<float> out(size_t(outs * out_h * out_w));
  const int64_t kh = op.kernel_h, kw = op.kernel_w;
  for (int64_t o = 0; o < outs; ++o) {
    const int64_t c0 = o / group_out * group_in;
    const float* w_o = &op.weight[size_t(o * group_in * kh * kw)];
    for (int64_t y = 0; y < out_h; ++y) {
      // The kernel rows and columns inside the input (the rest is zero padding).
      const int64_t iy0 = y * op.stride_h - op.pad_top;
      const int64_t ky0 = std::max<int64_t>(0, -iy0), ky1 = std::min<int64_t>(kh, in_h - iy0);
      for (int64_t x = 0; x < out_w; ++x) {
        const int64_t ix0 = x * op.stride_w - op.pad_left;
        const int64_t kx0 = std::max<int64_t>(0, -ix0), kx1 = std::min<int64_t>(kw, in_w - ix0);
        double sum = op.bias[size_t(o)];
        for (int64_t c = 0; c < group_in; ++c) {
          const float* plane = &in[size_t((c0 + c) * in_h * in_w)];
          const float* w_c = w_o + c * kh * kw;
          for (int64_t ky = ky0; ky < ky1; ++ky) {
            const float* row = plane + (iy0 + ky) * in_w + ix0;
            const float* w_row = w_c + ky * kw;
            for (int64_t kx = kx0; kx < kx1; ++kx) sum += double(w_row[kx]) * row[kx];
          }
        }
        out[size_t((o * out_h + y) * out_w + x)] = float(sum);
      }
    }
  }
  return out;
}

std::vector<float> dense(const Op& op, const std::vector<float>& in) {
  const int64_t outs = op.weight_shape[0], ins = op.weight_shape[1];
  std::vector<float> out(static_cast<size_t>(outs));
  for (int64_t o = 0; o < outs; ++o) {
    double sum = op.bias[size_t(o)];
    for (int64_t i = 0; i < ins; ++i) sum += double(op.weight[size_t(o * ins + i)]) * in[size_t(i)];
    out[size_t(o)] = float(sum);
  }
  return out;
}

// Padded cells never win a max; for the average they count only with count_include_pad.
std::vector<float> pool(const Op& op, const std::vector<float>& in) {
  const int64_t channels = op.in_shape[0], in_h = op.in_shape[1], in_w = op.in_shape[2];
  const int64_t out_h = op.out_shape[1], out_w = op.out_shape[2];
  const bool is_max = op.kind == OpKind::maxpool;
  std::vector<float> out(size_t(channels * out_h * out_w));
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < out_h; ++y)
      for (int64_t x = 0; x < out_w; ++x) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int valid = 0;
        for (int64_t ky = 0; ky < op.kernel_h; ++ky)
          for (int64_t kx = 0; kx < op.kernel_w; ++kx) {
            int64_t iy = y * op.stride_h - op.pad_top + ky, ix = x * op.stride_w - op.pad_left + kx;
            if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) continue;
            float v = in[size_t((c * in_h + iy) * in_w + ix)];
            best = std::max(best, double(v));
            sum += v;
            ++valid;
          }
        int divisor = op.count_include_pad ? op.kernel_h * op.kernel_w : valid;
        out[size_t((c * out_h + y) * out_w + x)] = float(is_max ? best : sum / std::max(divisor, 1));
      }
  return out;
}

// Every other digital op, in float as PyTorch computes it.
std::vector<float> global_average(const Op& op, const std::vector<float>& in) {
  const int64_t channels = op.in_shape[0];
  const size_t plane = size_t(element_count(op.in_shape)) / size_t(channels);
  std::vector<float> out(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0;
    for (size_t k = 0; k < plane; ++k) sum += in[size_t(c) * plane + k];
    out[size_t(c)] = float(sum / double(plane));
  }
  return out;
}

std::vector<float> affine(const Op& op, std::vector<float> x) {
  const size_t plane = x.size() / op.scale.size();
  for (size_t i = 0; i < x.size(); ++i) x[i] = x[i] * op.scale[i / plane] + op.shift[i / plane];
  return x;
}

}  // namespace

std::vector<float> forward_float(const Network& net, const std::vector<float>& input_chw,
                                 std::vector<std::vector<float>>* per_op_outputs) {
  if (input_chw.size() != element_count(net.input_shape))
    throw std::invalid_argument("forward_float: input has " + std::to_string(input_chw.size()) +
                                " values, the network expects " + std::to_string(element_count(net.input_shape)));
  if (net.ops.empty()) return input_chw;
  std::vector<std::vector<float>> local;
  std::vector<std::vector<float>>& outs = per_op_outputs ? *per_op_outputs : local;
  outs.assign(net.ops.size(), {});
  auto input = [&](int producer) -> const std::vector<float>& {
    return producer == kNetworkInput ? input_chw : outs[size_t(producer)];
  };
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const Op& op = net.ops[i];
    const std::vector<int> from = net.inputs_of(i);
    const std::vector<float>& in = input(from[0]);
    if (in.size() != element_count(op.in_shape))
      throw std::invalid_argument("forward_float: op '" + op.name + "' reads " + std::to_string(in.size()) +
                                  " values, expects " + std::to_string(element_count(op.in_shape)));
    std::vector<float> x;
    switch (op.kind) {
      case OpKind::conv: x = conv(op, in); break;
      case OpKind::dense: x = dense(op, in); break;
      case OpKind::relu:
        x = in;
        for (float& v : x) v = std::max(v, 0.f);
        break;
      case OpKind::clip:
        x = in;
        for (float& v : x) v = std::min(std::max(v, op.clip_min), op.clip_max);
        break;
      case OpKind::leaky_relu:
        x = in;
        for (float& v : x) v = v < 0 ? v * op.alpha : v;
        break;
      case OpKind::affine: x = affine(op, in); break;
      case OpKind::maxpool:
      case OpKind::avgpool: x = pool(op, in); break;
      case OpKind::global_avgpool: x = global_average(op, in); break;
      case OpKind::add:
        x = in;
        for (size_t k = 1; k < from.size(); ++k) {
          const std::vector<float>& other = input(from[k]);
          for (size_t j = 0; j < x.size(); ++j) x[j] += other.at(j);
        }
        break;
      case OpKind::concat:
        for (int producer : from) x.insert(x.end(), input(producer).begin(), input(producer).end());
        break;
      case OpKind::flatten: x = in; break;  // C,H,W order is already the flattened order
    }
    outs[i] = std::move(x);
  }
  return outs.back();
}

int argmax(const std::vector<float>& values) {
  if (values.empty()) return -1;
  return int(std::max_element(values.begin(), values.end()) - values.begin());  // first maximum
}

std::vector<float> image_to_input(const uint8_t* pixels, size_t n) {
  std::vector<float> input(n);
  for (size_t i = 0; i < n; ++i) input[i] = pixels[i] / 255.f;
  return input;
}

}  // namespace slq
