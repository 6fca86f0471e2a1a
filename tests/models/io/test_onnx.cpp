// ONNX loader: the shipped LeNet, small hand-built graphs, and broken files.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <filesystem>
#include <fstream>
#include <random>

#include "models/errors.h"
#include "models/io/onnx_model.h"
#include "tests/models/io/onnx_test_util.h"

namespace slq {
namespace {

const std::string kLenet = std::string(SLQSIM_SOURCE_DIR) + "/data/lenet_fmnist.onnx";

// One private directory per process (ctest runs tests in parallel), removed at exit.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "slq_test_onnx_XXXXXX";
    path = mkdtemp(pattern.data()) ? pattern : ::testing::TempDir();
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (path != ::testing::TempDir()) std::filesystem::remove_all(path, ignored);
  }
};

std::string temp_path(const std::string& name) {
  static ScratchDir dir;
  return dir.path + "/" + name;
}

std::string read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

std::string write_bytes(const std::string& name, const std::string& bytes) {
  std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// ---- building small models with the protobuf API ----
using test::float_tensor;

onnx::TensorProto int64_tensor(const std::string& name, std::vector<int64_t> values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(int64_t(values.size()));
  t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t)));
  return t;
}

struct ModelBuilder {
  onnx::ModelProto model;
  onnx::GraphProto* graph() { return model.mutable_graph(); }  // a method, so copies stay valid

  // Input "x" of shape {batch, dims...}; output tensor named output.
  ModelBuilder(std::vector<int64_t> dims, const std::string& output) {
    model.set_ir_version(7);
    model.add_opset_import()->set_version(13);
    auto* shape = graph()->add_input()->mutable_type()->mutable_tensor_type()->mutable_shape();
    graph()->mutable_input(0)->set_name("x");
    graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    shape->add_dim()->set_dim_param("batch");
    for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
    graph()->add_output()->set_name(output);
  }
  onnx::NodeProto* node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                        const std::string& output) {
    auto* n = graph()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& in : inputs) n->add_input(in);
    n->add_output(output);
    return n;
  }
  void initializer(onnx::TensorProto t) { *graph()->add_initializer() = std::move(t); }
  std::string save(const std::string& name) const {
    std::string bytes;
    model.SerializeToString(&bytes);
    return write_bytes(name + ".onnx", bytes);
  }
};

void set_ints(onnx::NodeProto* node, const std::string& name, std::vector<int64_t> values) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void set_int(onnx::NodeProto* node, const std::string& name, int64_t value) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

// A 1x3x3 input, a 1->2 channel 2x2 conv, Flatten, then Gemm(8 -> 2).
ModelBuilder conv_flatten_gemm() {
  ModelBuilder b({1, 3, 3}, "y");
  auto* conv = b.node("Conv", "conv", {"x", "w", "b"}, "c");
  set_ints(conv, "kernel_shape", {2, 2});
  b.initializer(float_tensor("w", {2, 1, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
  b.initializer(float_tensor("b", {2}, {0.5f, -0.5f}));
  b.node("Flatten", "flat", {"c"}, "f");
  b.node("Gemm", "fc", {"f", "fw", "fb"}, "y");
  std::vector<float> fw(16);
  for (int i = 0; i < 16; ++i) fw[size_t(i)] = float(i);  // {I=8, O=2}, transB = 0
  b.initializer(float_tensor("fw", {8, 2}, fw));
  b.initializer(float_tensor("fb", {2}, {1, 2}));
  return b;
}

// Expects an InputError naming the file, whose position and reason contain the given words.
void expect_input_error(const std::string& path, const std::string& position, const std::string& reason) {
  try {
    load_onnx(path);
    FAIL() << "no error for " << path;
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), path);
    EXPECT_NE(e.position().find(position), std::string::npos) << e.what();
    EXPECT_NE(e.reason().find(reason), std::string::npos) << e.what();
  }
}

TEST(OnnxLoader, ShippedLenetOpsAndShapes) {
  Network net = load_onnx(kLenet);
  EXPECT_EQ(net.input_shape, (std::vector<int64_t>{1, 28, 28}));
  std::vector<OpKind> kinds;
  for (const Op& op : net.ops) kinds.push_back(op.kind);
  EXPECT_EQ(kinds, (std::vector<OpKind>{OpKind::conv, OpKind::relu, OpKind::maxpool, OpKind::conv, OpKind::relu,
                                        OpKind::maxpool, OpKind::flatten, OpKind::dense, OpKind::relu,
                                        OpKind::dense}));
  ASSERT_EQ(net.ops.size(), 10u);
  const Op& conv1 = net.ops[0];
  EXPECT_EQ(conv1.name, "/0/Conv");
  EXPECT_EQ(conv1.onnx_op, "Conv");
  EXPECT_EQ(conv1.weight_shape, (std::vector<int64_t>{8, 1, 5, 5}));
  EXPECT_EQ(conv1.weight.size(), 200u);
  EXPECT_EQ(conv1.bias.size(), 8u);
  EXPECT_EQ(conv1.pad_top, 2);
  EXPECT_EQ(conv1.pad_right, 2);
  EXPECT_EQ(conv1.out_shape, (std::vector<int64_t>{8, 28, 28}));
  EXPECT_EQ(net.ops[2].out_shape, (std::vector<int64_t>{8, 14, 14}));
  EXPECT_EQ(net.ops[2].kernel_h, 2);
  EXPECT_EQ(net.ops[2].stride_w, 2);
  EXPECT_EQ(net.ops[3].weight_shape, (std::vector<int64_t>{16, 8, 5, 5}));
  EXPECT_EQ(net.ops[3].out_shape, (std::vector<int64_t>{16, 10, 10}));
  EXPECT_EQ(net.ops[5].out_shape, (std::vector<int64_t>{16, 5, 5}));
  EXPECT_EQ(net.ops[6].out_shape, (std::vector<int64_t>{400}));
  EXPECT_EQ(net.ops[7].weight_shape, (std::vector<int64_t>{128, 400}));
  EXPECT_EQ(net.ops[7].in_shape, (std::vector<int64_t>{400}));
  EXPECT_EQ(net.ops[9].weight_shape, (std::vector<int64_t>{10, 128}));
  EXPECT_EQ(net.ops[9].out_shape, (std::vector<int64_t>{10}));
  EXPECT_EQ(sanitize_name(net.ops[9].name), "9_Gemm");
  for (size_t i = 1; i < net.ops.size(); ++i) EXPECT_EQ(net.ops[i].in_shape, net.ops[i - 1].out_shape);
}

TEST(OnnxLoader, GemmWithoutTransBIsTransposedToOutByIn) {
  Network net = load_onnx(conv_flatten_gemm().save("gemm"));
  ASSERT_EQ(net.ops.size(), 3u);
  EXPECT_EQ(net.ops[0].out_shape, (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(net.ops[0].bias, (std::vector<float>{0.5f, -0.5f}));
  const Op& fc = net.ops[2];
  EXPECT_EQ(fc.kind, OpKind::dense);
  EXPECT_EQ(fc.weight_shape, (std::vector<int64_t>{2, 8}));
  // ONNX B[i][o] = 2*i + o, stored as W[o][i].
  EXPECT_EQ(fc.weight[0 * 8 + 3], 6.f);
  EXPECT_EQ(fc.weight[1 * 8 + 3], 7.f);
  EXPECT_EQ(fc.bias, (std::vector<float>{1, 2}));
}

TEST(OnnxLoader, MatMulAddFusesIntoOneDense) {
  ModelBuilder b({3}, "y");
  b.node("MatMul", "mm", {"x", "w"}, "m");
  b.node("Add", "add", {"m", "bias"}, "y");
  b.initializer(float_tensor("w", {3, 2}, {1, 2, 3, 4, 5, 6}));  // {I, O}
  b.initializer(float_tensor("bias", {2}, {10, 20}));
  Network net = load_onnx(b.save("matmul"));
  ASSERT_EQ(net.ops.size(), 1u);
  EXPECT_EQ(net.ops[0].kind, OpKind::dense);
  EXPECT_EQ(net.ops[0].weight, (std::vector<float>{1, 3, 5, 2, 4, 6}));
  EXPECT_EQ(net.ops[0].bias, (std::vector<float>{10, 20}));
  EXPECT_EQ(net.ops[0].out_shape, (std::vector<int64_t>{2}));
}

TEST(OnnxLoader, ReshapeFromConstantAndAveragePool) {
  ModelBuilder b({2, 4, 4}, "y");
  auto* pool = b.node("AveragePool", "avg", {"x"}, "p");
  set_ints(pool, "kernel_shape", {3, 3});
  set_ints(pool, "strides", {2, 2});
  set_ints(pool, "pads", {1, 1, 1, 1});
  set_int(pool, "count_include_pad", 1);
  auto* constant = b.node("Constant", "shape", {}, "s");
  auto* value = constant->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  *value->mutable_t() = int64_tensor("", {1, -1});
  b.node("Reshape", "reshape", {"p", "s"}, "y");
  Network net = load_onnx(b.save("reshape"));
  ASSERT_EQ(net.ops.size(), 2u);
  EXPECT_EQ(net.ops[0].kind, OpKind::avgpool);
  EXPECT_TRUE(net.ops[0].count_include_pad);
  EXPECT_EQ(net.ops[0].out_shape, (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(net.ops[1].kind, OpKind::flatten);
  EXPECT_EQ(net.ops[1].out_shape, (std::vector<int64_t>{8}));
}

TEST(OnnxLoader, UnsupportedOpNamesNodeAndType) {
  ModelBuilder b({4}, "y");
  b.node("Sigmoid", "/5/Sigmoid", {"x"}, "y");
  expect_input_error(b.save("sigmoid"), "node '/5/Sigmoid'", "unsupported op 'Sigmoid'");
}

TEST(OnnxLoader, MissingInitializer) {
  ModelBuilder b({3}, "y");
  b.node("Gemm", "fc", {"x", "nowhere"}, "y");
  expect_input_error(b.save("noinit"), "node 'fc'", "'nowhere' is not an initializer");
}

TEST(OnnxLoader, ShapeMismatch) {
  ModelBuilder b({5}, "y");
  set_int(b.node("Gemm", "fc", {"x", "w"}, "y"), "transB", 1);
  b.initializer(float_tensor("w", {2, 3}, {1, 2, 3, 4, 5, 6}));
  expect_input_error(b.save("mismatch"), "node 'fc'", "expects 3 inputs, input has 5");

  ModelBuilder conv({2, 3, 3}, "y");
  conv.node("Conv", "conv", {"x", "w"}, "y");
  conv.initializer(float_tensor("w", {1, 1, 2, 2}, {1, 2, 3, 4}));
  expect_input_error(conv.save("channels"), "node 'conv'", "input channels");

  ModelBuilder bad_raw({3}, "y");
  set_int(bad_raw.node("Gemm", "fc", {"x", "w"}, "y"), "transB", 1);
  auto w = float_tensor("w", {1, 3}, {});
  w.set_raw_data("12345");  // 5 bytes for 3 floats
  bad_raw.initializer(w);
  expect_input_error(bad_raw.save("raw"), "node 'fc'", "raw_data has 5 bytes");
}

// A Gemm, MatMul or Conv with no outputs or no inputs would divide by zero when quantized.
TEST(OnnxLoader, DegenerateShapesAreRejected) {
  ModelBuilder no_outputs({3}, "y");
  set_int(no_outputs.node("Gemm", "fc", {"x", "w"}, "y"), "transB", 1);
  no_outputs.initializer(float_tensor("w", {0, 3}, {}));
  expect_input_error(no_outputs.save("gemm0"), "node 'fc'", "0 outputs");

  ModelBuilder no_outputs_b({3}, "y");  // {I, O} layout, with an empty bias too
  no_outputs_b.node("Gemm", "fc", {"x", "w", "b"}, "y");
  no_outputs_b.initializer(float_tensor("w", {3, 0}, {}));
  no_outputs_b.initializer(float_tensor("b", {0}, {}));
  expect_input_error(no_outputs_b.save("gemm0b"), "node 'fc'", "0 outputs");

  ModelBuilder matmul({3}, "y");
  matmul.node("MatMul", "mm", {"x", "w"}, "y");
  matmul.initializer(float_tensor("w", {3, 0}, {}));
  expect_input_error(matmul.save("matmul0"), "node 'mm'", "0 outputs");

  auto conv = conv_flatten_gemm();  // a conv with no output channels
  *conv.graph()->mutable_initializer(0) = float_tensor("w", {0, 1, 2, 2}, {});
  expect_input_error(conv.save("conv0"), "node 'conv'", "empty dimension");

  auto bias = conv_flatten_gemm();  // an empty tensor anywhere, e.g. a bias of shape {2, 0}
  *bias.graph()->mutable_initializer(1) = float_tensor("b", {2, 0}, {});
  expect_input_error(bias.save("bias0"), "tensor 'b'", "empty dimension");
}

// NaN or infinite weights or biases would be cast to unsigned integers when quantized.
TEST(OnnxLoader, NonFiniteInitializersAreRejected) {
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  auto weight = conv_flatten_gemm();
  weight.graph()->mutable_initializer(0)->set_float_data(3, nan);
  expect_input_error(weight.save("nan_w"), "node 'conv', tensor 'w'", "value 3 is NaN");

  auto bias = conv_flatten_gemm();
  bias.graph()->mutable_initializer(3)->set_float_data(1, -inf);
  expect_input_error(bias.save("inf_b"), "node 'fc', tensor 'fb'", "value 1 is infinite");

  ModelBuilder raw({2}, "y");  // raw_data as PyTorch writes it, with a fused MatMul + Add bias
  raw.node("MatMul", "mm", {"x", "w"}, "m");
  raw.node("Add", "add", {"m", "bias"}, "y");
  raw.initializer(float_tensor("w", {2, 1}, {1, 2}));
  auto t = float_tensor("bias", {1}, {});
  t.set_raw_data(std::string(reinterpret_cast<const char*>(&inf), sizeof inf));
  raw.initializer(t);
  expect_input_error(raw.save("inf_raw"), "node 'add', tensor 'bias'", "infinite");
}

// Every op's output is bounded like the input tensor: a MaxPool with 2^22 pads on each side
// would need an output of (2^23)^2 values per channel.
TEST(OnnxLoader, HugeOutputsAreRejected) {
  ModelBuilder pool({1, 4, 4}, "y");
  auto* node = pool.node("MaxPool", "pool", {"x"}, "y");
  set_ints(node, "kernel_shape", {1, 1});
  set_ints(node, "pads", {1 << 22, 1 << 22, 1 << 22, 1 << 22});
  expect_input_error(pool.save("hugepool"), "node 'pool', output", "tensor too large");

  ModelBuilder ok({1, 4, 4}, "y");  // the same pool with small pads loads
  set_ints(ok.node("MaxPool", "pool", {"x"}, "y"), "kernel_shape", {1, 1});
  EXPECT_EQ(load_onnx(ok.save("smallpool")).ops.at(0).out_shape, (std::vector<int64_t>{1, 4, 4}));
}

TEST(OnnxLoader, ConvGroupsAndDilationsAreRejected) {
  auto grouped = conv_flatten_gemm();
  set_int(grouped.graph()->mutable_node(0), "group", 2);
  expect_input_error(grouped.save("group"), "node 'conv'", "group");
  auto dilated = conv_flatten_gemm();
  set_ints(dilated.graph()->mutable_node(0), "dilations", {2, 2});
  expect_input_error(dilated.save("dilation"), "node 'conv'", "dilations");
}

TEST(OnnxLoader, BranchingGraphIsNotAChain) {
  ModelBuilder b({4}, "y");
  b.node("Relu", "a", {"x"}, "y");
  b.node("Relu", "b", {"x"}, "z");
  expect_input_error(b.save("branch"), "tensor 'x'", "single chain");

  ModelBuilder dangling({4}, "y");
  dangling.node("Relu", "a", {"x"}, "y");
  dangling.node("Relu", "orphan", {"elsewhere"}, "z");
  expect_input_error(dangling.save("dangling"), "node 'orphan'", "not on the chain");
}

TEST(OnnxLoader, MissingFile) {
  expect_input_error(temp_path("does_not_exist.onnx"), "", "cannot open");
}

TEST(OnnxLoader, RandomBytesAreRejected) {
  std::mt19937 rng(7);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = char(rng());
  std::string path = write_bytes("random.onnx", bytes);
  EXPECT_THROW(load_onnx(path), InputError);
  EXPECT_THROW(load_onnx(write_bytes("empty.onnx", "")), InputError);  // parses, but has no graph
}

TEST(OnnxLoader, TruncatedFileIsRejected) {
  std::string bytes = read_bytes(kLenet);
  ASSERT_GT(bytes.size(), 1000u);
  for (double fraction : {0.01, 0.1, 0.5, 0.9, 0.999}) {
    std::string path = write_bytes("truncated.onnx", bytes.substr(0, size_t(bytes.size() * fraction)));
    EXPECT_THROW(load_onnx(path), InputError) << "cut at " << fraction;
  }
}

// Flipped bytes anywhere must give a network or an InputError, never a crash or another exception.
TEST(OnnxLoader, CorruptedBytesNeverCrash) {
  std::string original = read_bytes(kLenet);
  ASSERT_FALSE(original.empty());
  std::mt19937 rng(42);
  int rejected = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::string bytes = original;
    // Corrupt near the front too, where the graph structure (not the weights) lives.
    size_t span = trial % 2 ? bytes.size() : std::min<size_t>(bytes.size(), 2000);
    for (int k = 0; k < 4; ++k) bytes[rng() % span] = char(rng());
    std::string path = write_bytes("corrupt.onnx", bytes);
    try {
      load_onnx(path);
    } catch (const InputError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST(NetworkNames, SanitizeName) {
  EXPECT_EQ(sanitize_name("/0/Conv"), "0_Conv");
  EXPECT_EQ(sanitize_name("layer.1-a"), "layer.1-a");
  EXPECT_EQ(sanitize_name("a b:c"), "a_b_c");
  EXPECT_EQ(sanitize_name("//"), "layer");
  EXPECT_EQ(sanitize_name(""), "layer");
  EXPECT_STREQ(to_string(OpKind::maxpool), "maxpool");
  EXPECT_STREQ(to_string(OpKind::dense), "dense");
}

}  // namespace
}  // namespace slq
