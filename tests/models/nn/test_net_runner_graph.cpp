// The quantized network runner on a graph of digital ops (models/nn/net_runner.cpp,
// docs/networks.md "Between layers: the digital ops"): a BatchNorm affine and a LeakyRelu on real
// values, a Concat of two requantized branches at different scales, max and global average
// pooling, a dense head. At N = 12 linear the accelerator's arithmetic is nearly exact, so the
// quantized network's logits must follow the float network's.
#include <gtest/gtest.h>

#include <cmath>

#include "models/io/idx.h"
#include "models/nn/executor.h"
#include "models/nn/float_infer.h"
#include "models/nn/net_runner.h"
#include "models/nn/qnet.h"

namespace slq {
namespace {

Network branchy_network() {
  Network net;
  net.path = "branchy";
  net.input_shape = {1, 28, 28};
  auto add = [&](Op op, std::vector<int> inputs) {
    op.name = "op" + std::to_string(net.ops.size());
    op.inputs = std::move(inputs);
    net.ops.push_back(std::move(op));
  };
  Op conv;
  conv.kind = OpKind::conv;
  conv.weight_shape = {2, 1, 3, 3};
  conv.weight = {0.5f, -0.25f, 0.125f, 0.3f, 0.9f, -0.4f, 0.2f, 0.1f, -0.6f,
                 -0.2f, 0.4f, 0.7f, -0.5f, 0.3f, 0.25f, 0.6f, -0.1f, 0.05f};
  conv.bias = {0.05f, -0.02f};
  conv.kernel_h = conv.kernel_w = 3;
  conv.pad_top = conv.pad_left = conv.pad_bottom = conv.pad_right = 1;
  conv.in_shape = {1, 28, 28};
  conv.out_shape = {2, 28, 28};
  add(conv, {kNetworkInput});  // 0
  Op relu;
  relu.kind = OpKind::relu;
  relu.in_shape = relu.out_shape = {2, 28, 28};
  add(relu, {0});  // 1
  Op affine;
  affine.kind = OpKind::affine;
  affine.scale = {1.5f, -1.0f};
  affine.shift = {-0.1f, 0.3f};
  affine.in_shape = affine.out_shape = {2, 28, 28};
  add(affine, {1});  // 2: can be negative
  Op leaky;
  leaky.kind = OpKind::leaky_relu;
  leaky.alpha = 0.5f;
  leaky.in_shape = leaky.out_shape = {2, 28, 28};
  add(leaky, {2});  // 3: real values, negative ones kept at half
  Op sum;
  sum.kind = OpKind::add;
  sum.in_shape = sum.out_shape = {2, 28, 28};
  add(sum, {3, 1});  // 4: a residual: real values plus N-bit activations
  add(relu, {4});    // 5: requantized at its own scale
  Op concat;
  concat.kind = OpKind::concat;
  concat.in_shape = {2, 28, 28};
  concat.out_shape = {4, 28, 28};
  add(concat, {5, 1});  // 6: two scales joined at the concat's
  Op pool;
  pool.kind = OpKind::maxpool;
  pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
  pool.in_shape = {4, 28, 28};
  pool.out_shape = {4, 14, 14};
  add(pool, {6});  // 7
  Op gap;
  gap.kind = OpKind::global_avgpool;
  gap.in_shape = {4, 14, 14};
  gap.out_shape = {4, 1, 1};
  add(gap, {7});  // 8
  Op flat;
  flat.kind = OpKind::flatten;
  flat.in_shape = {4, 1, 1};
  flat.out_shape = {4};
  add(flat, {8});  // 9
  Op fc;
  fc.kind = OpKind::dense;
  fc.weight_shape = {3, 4};
  fc.weight = {1.0f, -2.0f, 0.5f, 0.25f, -0.5f, 1.5f, -1.0f, 2.0f, 0.75f, 0.5f, 1.0f, -1.5f};
  fc.bias = {0.0f, 0.1f, -0.1f};
  fc.in_shape = {4};
  fc.out_shape = {3};
  add(fc, {9});  // 10
  return net;
}

// Runs `net` (its last op a dense head of 3 outputs) at N = 12, linear, on the golden model over
// the first `images` test images, calibrated on as many training images at `percentile`, and
// compares the logits made from the head's accumulators (its input's scale is that of op
// `head_input_scale_op`) with the float network's, image by image.
struct LogitFit {
  Calibration cal;
  double worst = 0;   // the largest difference of a quantized logit from the float one
  double spread = 0;  // the largest difference between two float logits
};
LogitFit fit_at_n12(const Network& net, size_t images, double percentile, size_t head_input_scale_op) {
  LogitFit fit;
  const Dataset train = load_fashion_mnist(kFashionMnistDir, true, images);
  const Dataset test = load_fashion_mnist(kFashionMnistDir, false, images);
  const int N = 12;
  fit.cal = calibrate(net, train, train.size(), N, percentile);
  QuantOptions q;
  q.code.format = Format::linear;
  q.code.stream_bits = N;
  q.code.max_words = 1;
  std::vector<EncodingRun> runs(1);
  runs[0].name = "linear";
  runs[0].layers = quantize_network(net, q);
  ArrayParams array;
  array.stream_bits = N;
  array.acc_bits = 32;
  NetworkRunner runner(net, fit.cal, array, runs, /*keep_dumps=*/true);
  GoldenExecutor golden(array);
  for (size_t first = 0; first < test.size(); first += size_t(array.lanes))
    runner.run_batch(test, first, std::min(size_t(array.lanes), test.size() - first), golden);
  const QuantLayer& head = runs[0].layers.back();
  const std::vector<int32_t>& acc = runs[0].dumps.back();
  EXPECT_EQ(acc.size(), test.size() * 3);
  const Op& fc = net.ops.back();
  const size_t pixels = size_t(test.rows) * size_t(test.cols);
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < test.size() && acc.size() == test.size() * 3; ++i) {
    const std::vector<float> logits = forward_float(net, image_to_input(test.image(i), pixels));
    for (size_t k = 0; k < 3; ++k) {
      const double y = double(acc[i * 3 + k]) * head.row_scale[k] * fit.cal.out_scale[head_input_scale_op] + double(fc.bias[k]);
      fit.worst = std::max(fit.worst, std::fabs(y - double(logits[k])));
      lo = std::min(lo, double(logits[k]));
      hi = std::max(hi, double(logits[k]));
    }
  }
  fit.spread = hi - lo;
  return fit;
}

TEST(NetRunnerGraph, PlanRequantizesWhereTheDocsSay) {
  const Network net = branchy_network();
  EXPECT_NO_THROW(check_mappable(net));
  const ActivationPlan plan = activation_plan(net);
  EXPECT_EQ(plan.requantized,
            (std::vector<bool>{false, true, false, false, false, true, true, false, false, false, false}));
  EXPECT_EQ(plan.quantized, (std::vector<bool>{false, true, false, false, false, true, true, true, true, true, false}));
  EXPECT_FALSE(plan.non_negative[2]);  // the affine can be negative
  EXPECT_FALSE(plan.non_negative[4]);  // and so can the sum
}

TEST(NetRunnerGraph, NearlyExactArithmeticFollowsTheFloatLogits) {
  // The head's input scale is the concat's (op 6): pooling and the view keep it.
  const LogitFit fit = fit_at_n12(branchy_network(), 64, 99.99, 6);
  EXPECT_GT(fit.cal.out_scale[1], 0);
  EXPECT_GT(fit.cal.out_scale[5], 0);
  EXPECT_GT(fit.cal.out_scale[6], 0);
  EXPECT_EQ(fit.cal.out_scale[3], 0);  // a LeakyRelu is not requantized
  EXPECT_EQ(fit.cal.out_scale[4], 0);  // nor a sum that a Relu stores
  EXPECT_GT(fit.spread, 0.05);              // the logits differ between outputs and images
  EXPECT_LT(fit.worst, 0.01 * fit.spread);  // and the quantized network follows them closely
}

// A residual sum read by a dense layer through a flatten: the sum's real values are stored as
// N-bit activations where the array reads them (the flatten requantizes), and the logits follow
// the float network's.
TEST(NetRunnerGraph, ASumReadThroughAFlattenIsRequantized) {
  Network net;
  net.path = "sum_flatten";
  net.input_shape = {1, 28, 28};
  Op relu;
  relu.name = "relu";
  relu.kind = OpKind::relu;
  relu.in_shape = relu.out_shape = {1, 28, 28};
  net.ops.push_back(relu);  // 0
  Op pool;
  pool.name = "pool";
  pool.kind = OpKind::maxpool;
  pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
  pool.in_shape = {1, 28, 28};
  pool.out_shape = {1, 14, 14};
  pool.inputs = {0};
  net.ops.push_back(pool);  // 1
  Op sum;
  sum.name = "sum";
  sum.kind = OpKind::add;
  sum.in_shape = sum.out_shape = {1, 14, 14};
  sum.inputs = {1, 1};
  net.ops.push_back(sum);  // 2: real values, not negative
  Op flat;
  flat.name = "flat";
  flat.kind = OpKind::flatten;
  flat.in_shape = {1, 14, 14};
  flat.out_shape = {196};
  flat.inputs = {2};
  net.ops.push_back(flat);  // 3: requantized: the dense layer reads it
  Op fc;
  fc.name = "fc";
  fc.kind = OpKind::dense;
  fc.weight_shape = {3, 196};
  for (int k = 0; k < 3 * 196; ++k) fc.weight.push_back(float((k * 37) % 23 - 11) / 64.f);
  fc.bias = {0.1f, -0.1f, 0.f};
  fc.in_shape = {196};
  fc.out_shape = {3};
  fc.inputs = {3};
  net.ops.push_back(fc);  // 4
  ASSERT_NO_THROW(check_mappable(net));
  const ActivationPlan plan = activation_plan(net);
  EXPECT_FALSE(plan.requantized[2]);
  EXPECT_TRUE(plan.requantized[3]);
  const LogitFit fit = fit_at_n12(net, 32, 100.0, 3);  // the flatten's scale
  EXPECT_GT(fit.spread, 0.1);
  EXPECT_LT(fit.worst, 0.01 * fit.spread);
}

}  // namespace
}  // namespace slq
