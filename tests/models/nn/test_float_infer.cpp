// Float reference inference: hand-computed examples and agreement with PyTorch on both shipped models.
#include <gtest/gtest.h>

#include <fstream>

#include "models/nn/float_infer.h"
#include "models/io/idx.h"
#include "models/io/onnx_model.h"
#include "models/nn/qnet.h"

namespace slq {
namespace {

Op window_op(OpKind kind, std::vector<int64_t> in_shape, std::vector<int64_t> out_shape, int kernel, int stride) {
  Op op;
  op.kind = kind;
  op.in_shape = std::move(in_shape);
  op.out_shape = std::move(out_shape);
  op.kernel_h = op.kernel_w = kernel;
  op.stride_h = op.stride_w = stride;
  return op;
}

// Input 0..15 on a 4x4 grid; expected values computed by hand and checked with torch.nn.functional.
Network tiny_network() {
  Network net;
  net.input_shape = {1, 4, 4};
  Op conv = window_op(OpKind::conv, {1, 4, 4}, {1, 4, 4}, 2, 1);
  conv.weight_shape = {1, 1, 2, 2};
  conv.weight = {1, 2, 3, 4};
  conv.bias = {-60};
  conv.pad_top = conv.pad_left = 1;  // asymmetric: no bottom/right padding
  net.ops.push_back(conv);
  net.ops.push_back(window_op(OpKind::relu, {1, 4, 4}, {1, 4, 4}, 1, 1));
  net.ops.push_back(window_op(OpKind::maxpool, {1, 4, 4}, {1, 2, 2}, 2, 2));
  Op avg = window_op(OpKind::avgpool, {1, 2, 2}, {1, 2, 2}, 3, 1);
  avg.pad_top = avg.pad_left = avg.pad_bottom = avg.pad_right = 1;
  net.ops.push_back(avg);
  return net;
}

std::vector<float> ramp16() {
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[size_t(i)] = float(i);
  return x;
}

TEST(FloatInfer, HandComputedConvReluPool) {
  Network net = tiny_network();
  std::vector<std::vector<float>> outputs;
  std::vector<float> avg_excluding_pad = forward_float(net, ramp16(), &outputs);
  ASSERT_EQ(outputs.size(), 4u);
  // out(y, x) = -60 + 1*in(y-1, x-1) + 2*in(y-1, x) + 3*in(y, x-1) + 4*in(y, x), zeros outside.
  EXPECT_EQ(outputs[0], (std::vector<float>{-60, -56, -49, -42, -44, -26, -16, -6, -20, 14, 24, 34, 4, 54, 64, 74}));
  EXPECT_EQ(outputs[1], (std::vector<float>{0, 0, 0, 0, 0, 0, 0, 0, 0, 14, 24, 34, 4, 54, 64, 74}));
  EXPECT_EQ(outputs[2], (std::vector<float>{0, 0, 54, 74}));
  // Every 3x3 window covers all four values: 128 / 4 without the padding, 128 / 9 with it.
  EXPECT_EQ(avg_excluding_pad, (std::vector<float>{32, 32, 32, 32}));
  net.ops[3].count_include_pad = true;
  for (float v : forward_float(net, ramp16())) EXPECT_FLOAT_EQ(v, 128.f / 9);
}

TEST(FloatInfer, StridedConvAndDense) {
  Network net;
  net.input_shape = {1, 4, 4};
  Op conv = window_op(OpKind::conv, {1, 4, 4}, {1, 2, 2}, 2, 2);
  conv.weight_shape = {1, 1, 2, 2};
  conv.weight = {1, 2, 3, 4};
  conv.bias = {0};
  net.ops.push_back(conv);
  Op flat = window_op(OpKind::flatten, {1, 2, 2}, {4}, 1, 1);
  net.ops.push_back(flat);
  Op fc;
  fc.kind = OpKind::dense;
  fc.weight_shape = {2, 4};
  fc.weight = {1, 0, 0, 0, 0, 0, 0, 1};  // picks the first and the last conv output
  fc.bias = {1, -1};
  fc.in_shape = {4};
  fc.out_shape = {2};
  net.ops.push_back(fc);
  std::vector<std::vector<float>> outputs;
  EXPECT_EQ(forward_float(net, ramp16(), &outputs), (std::vector<float>{35, 133}));
  EXPECT_EQ(outputs[0], (std::vector<float>{34, 54, 114, 134}));
  EXPECT_THROW(forward_float(net, {1, 2, 3}), std::invalid_argument);
}

// The accelerator's im2col (models/nn/qnet.h): the index table used by the network runner gives, at
// every position and column, what im2col_position computes, padding included.
TEST(Im2col, TableMatchesPositionByPosition) {
  Op conv = window_op(OpKind::conv, {2, 5, 4}, {3, 3, 2}, 3, 2);
  conv.weight_shape = {3, 2, 3, 3};
  conv.pad_top = conv.pad_left = 1;
  conv.pad_bottom = conv.pad_right = 1;
  std::vector<uint32_t> in(2 * 5 * 4);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint32_t>(i + 1);  // 0 only from padding
  const std::vector<int32_t> table = im2col_table(conv);
  const int K = 2 * 3 * 3;
  ASSERT_EQ(table.size(), static_cast<size_t>(3 * 2 * K));
  int padded = 0;
  for (int pos = 0; pos < 6; ++pos) {
    std::vector<uint32_t> column(K);
    im2col_position(conv, in, pos, column.data());
    for (int k = 0; k < K; ++k) {
      const int32_t index = table[static_cast<size_t>(pos * K + k)];
      EXPECT_EQ(index < 0 ? 0u : in[static_cast<size_t>(index)], column[static_cast<size_t>(k)]) << pos << ", " << k;
      padded += index < 0;
    }
  }
  EXPECT_GT(padded, 0);
}

TEST(FloatInfer, ArgmaxAndImageToInput) {
  EXPECT_EQ(argmax({1, 3, 3, 2}), 1);  // ties go to the lowest index
  EXPECT_EQ(argmax({-5}), 0);
  EXPECT_EQ(argmax({}), -1);
  uint8_t pixels[] = {0, 51, 255};
  EXPECT_EQ(image_to_input(pixels, 3), (std::vector<float>{0.f, 0.2f, 1.f}));
}

// slqsim's float inference of a shipped model (data/<stem>.onnx) against PyTorch's top-1 predictions
// (data/<stem>.predictions.txt, written by the training script) on all 10,000 test images, and its
// accuracy against the one PyTorch measured (data/<stem>.json). At least min_agree images must get
// PyTorch's prediction (summation order differs, so a near tie of two logits could flip).
void expect_agrees_with_pytorch(const std::string& stem, double torch_accuracy, size_t min_agree,
                                const std::string& model_stem = "") {
  std::string root = SLQSIM_SOURCE_DIR;
  Network net = load_onnx(root + "/data/" + (model_stem.empty() ? stem : model_stem) + ".onnx");
  Dataset data = load_fashion_mnist(kFashionMnistDir, false);
  std::ifstream predictions_file(root + "/data/" + stem + ".predictions.txt");
  std::vector<int> torch_top1;
  for (int p; predictions_file >> p;) torch_top1.push_back(p);
  ASSERT_EQ(torch_top1.size(), data.size()) << stem;

  size_t agree = 0, correct = 0;
  size_t pixels = size_t(data.rows) * size_t(data.cols);
#ifdef __SANITIZE_ADDRESS__
  // Under ASan (tools/ci_sanitize.sh) the same code on the first 1,000 images: the sanitizer
  // checks memory, the normal build checks all 10,000 predictions.
  const size_t images = 1000;
  min_agree = min_agree * images / data.size();
  torch_accuracy = -1;
#else
  const size_t images = data.size();
#endif
  for (size_t i = 0; i < images; ++i) {
    int top1 = argmax(forward_float(net, image_to_input(data.image(i), pixels)));
    agree += top1 == torch_top1[i];
    correct += top1 == data.labels[i];
  }
  EXPECT_GE(agree, min_agree) << stem << ": agreement with PyTorch: " << agree << " / " << images;
  if (torch_accuracy >= 0) EXPECT_NEAR(double(correct) / double(images), torch_accuracy, 0.002) << stem;
}

TEST(FloatInfer, LenetAgreesWithPytorch) {
  // data/lenet_fmnist.json records PyTorch's accuracy as 0.9074.
  expect_agrees_with_pytorch("lenet_fmnist", 0.9074, 9990);
}

// The second shipped model (tools/train_cnn.py): 3x3 convolutions with padding, one with stride 2.
TEST(FloatInfer, CnnAgreesWithPytorch) {
  // data/cnn_fmnist.json records PyTorch's accuracy as 0.908. Every image must agree: the smallest
  // gap between PyTorch's two largest logits over the test set is 6e-4, far above float rounding.
  expect_agrees_with_pytorch("cnn_fmnist", 0.908, 10000);
}

// The third shipped model (tools/train_resnet.py): BatchNorm, residual additions, a strided block
// with a 1x1 shortcut, depthwise convolutions, ReLU6, global average pooling, a Shape chain. Both
// exports of the same weights must give PyTorch's prediction on every image: the eval-mode one
// (BatchNorm folded by the exporter) and the PRESERVE one (BatchNormalization folded by slqsim).
double resnet_torch_accuracy() {
  std::ifstream sidecar(std::string(SLQSIM_SOURCE_DIR) + "/data/resnet_fmnist.json");
  const std::string text{std::istreambuf_iterator<char>(sidecar), std::istreambuf_iterator<char>()};
  const size_t at = text.find("\"float_accuracy_top1\": ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + 23));
}

TEST(FloatInfer, ResnetAgreesWithPytorch) {
  expect_agrees_with_pytorch("resnet_fmnist", resnet_torch_accuracy(), 10000);
}

TEST(FloatInfer, ResnetWithBatchNormNodesAgreesWithPytorch) {
  expect_agrees_with_pytorch("resnet_fmnist", resnet_torch_accuracy(), 10000, "resnet_fmnist_bn");
}

}  // namespace
}  // namespace slq
