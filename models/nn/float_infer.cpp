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
  std::vector<float> out(size_t(outs * out_h * out_w));
  for (int64_t o = 0; o < outs; ++o)
    for (int64_t y = 0; y < out_h; ++y)
      for (int64_t x = 0; x < out_w; ++x) {
        double sum = op.bias[size_t(o)];
        for (int64_t c = 0; c < channels; ++c)
          for (int64_t ky = 0; ky < op.kernel_h; ++ky) {
            int64_t iy = y * op.stride_h - op.pad_top + ky;
            if (iy < 0 || iy >= in_h) continue;  // zero padding
            for (int64_t kx = 0; kx < op.kernel_w; ++kx) {
              int64_t ix = x * op.stride_w - op.pad_left + kx;
              if (ix < 0 || ix >= in_w) continue;
              double w = op.weight[size_t(((o * channels + c) * op.kernel_h + ky) * op.kernel_w + kx)];
              sum += w * in[size_t((c * in_h + iy) * in_w + ix)];
            }
          }
        out[size_t((o * out_h + y) * out_w + x)] = float(sum);
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

}  // namespace

std::vector<float> forward_float(const Network& net, const std::vector<float>& input_chw,
                                 std::vector<std::vector<float>>* per_op_outputs) {
  if (input_chw.size() != element_count(net.input_shape))
    throw std::invalid_argument("forward_float: input has " + std::to_string(input_chw.size()) +
                                " values, the network expects " + std::to_string(element_count(net.input_shape)));
  if (per_op_outputs) per_op_outputs->clear();
  std::vector<float> x = input_chw;
  for (const Op& op : net.ops) {
    switch (op.kind) {
      case OpKind::conv: x = conv(op, x); break;
      case OpKind::dense: x = dense(op, x); break;
      case OpKind::relu:
        for (float& v : x) v = std::max(v, 0.f);
        break;
      case OpKind::maxpool:
      case OpKind::avgpool: x = pool(op, x); break;
      case OpKind::flatten: break;  // C,H,W order is already the flattened order
    }
    if (per_op_outputs) per_op_outputs->push_back(x);
  }
  return x;
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
