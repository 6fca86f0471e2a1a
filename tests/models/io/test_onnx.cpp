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
#include "models/nn/float_infer.h"
#include "models/nn/qnet.h"
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

TEST(OnnxLoader, GroupsThatDoNotDivideAndDilationsAreRejected) {
  auto grouped = conv_flatten_gemm();
  set_int(grouped.graph()->mutable_node(0), "group", 2);
  expect_input_error(grouped.save("group"), "node 'conv'", "group");
  auto dilated = conv_flatten_gemm();
  set_ints(dilated.graph()->mutable_node(0), "dilations", {2, 2});
  expect_input_error(dilated.save("dilation"), "node 'conv'", "dilations");
}

TEST(OnnxLoader, BranchesThatMissTheOutputAreRejected) {
  ModelBuilder b({4}, "y");
  b.node("Relu", "a", {"x"}, "y");
  b.node("Relu", "b", {"x"}, "z");
  expect_input_error(b.save("branch"), "node 'b'", "does not lead to the graph output 'y'");

  ModelBuilder dangling({4}, "y");
  dangling.node("Relu", "a", {"x"}, "y");
  dangling.node("Relu", "orphan", {"elsewhere"}, "z");
  expect_input_error(dangling.save("dangling"), "node 'orphan'", "no earlier node produces");
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


// ---- graphs as researchers export them ----

void set_float(onnx::NodeProto* node, const std::string& name, float value) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

onnx::TensorProto scalar(const std::string& name, float v) {
  onnx::TensorProto t = float_tensor(name, {}, {v});
  return t;
}

// x {2,4,4} -> conv3x3 pad 1 (2->2) -> BN (folded) -> Relu -> depthwise 3x3 (group 2) -> BN (folded)
//   -> Add(x's Relu) -> Relu+Clip(0,6) -> GlobalAveragePool -> Shape/Gather/Unsqueeze/Concat -> Reshape
//   -> Dropout -> Gemm(2->3) -> Softmax
ModelBuilder residual_graph() {
  ModelBuilder b({2, 4, 4}, "prob");
  b.node("Relu", "in_relu", {"x"}, "xr");
  auto* c1 = b.node("Conv", "c1", {"xr", "w1"}, "c1o");
  set_ints(c1, "kernel_shape", {3, 3});
  set_ints(c1, "pads", {1, 1, 1, 1});
  std::vector<float> w1(36);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = float(int(i % 7) - 3) * 0.1f;
  b.initializer(float_tensor("w1", {2, 2, 3, 3}, w1));
  auto* bn1 = b.node("BatchNormalization", "bn1", {"c1o", "g1", "be1", "m1", "v1"}, "b1o");
  set_float(bn1, "epsilon", 1e-5f);
  b.initializer(float_tensor("g1", {2}, {2.0f, 0.5f}));
  b.initializer(float_tensor("be1", {2}, {0.1f, -0.2f}));
  b.initializer(float_tensor("m1", {2}, {0.3f, -0.1f}));
  b.initializer(float_tensor("v1", {2}, {4.0f, 0.25f}));
  b.node("Relu", "r1", {"b1o"}, "r1o");
  auto* dw = b.node("Conv", "dw", {"r1o", "wd", "bd"}, "dwo");
  set_ints(dw, "kernel_shape", {3, 3});
  set_ints(dw, "pads", {1, 1, 1, 1});
  set_int(dw, "group", 2);
  std::vector<float> wd(18);
  for (size_t i = 0; i < wd.size(); ++i) wd[i] = float(int(i % 5) - 2) * 0.2f;
  b.initializer(float_tensor("wd", {2, 1, 3, 3}, wd));
  b.initializer(float_tensor("bd", {2}, {0.05f, -0.05f}));
  b.node("BatchNormalization", "bn2", {"dwo", "g2", "be2", "m2", "v2"}, "b2o");
  b.initializer(float_tensor("g2", {2}, {1.5f, 1.0f}));
  b.initializer(float_tensor("be2", {2}, {0.0f, 0.3f}));
  b.initializer(float_tensor("m2", {2}, {0.1f, 0.2f}));
  b.initializer(float_tensor("v2", {2}, {1.0f, 2.0f}));
  b.node("Add", "res", {"b2o", "xr"}, "sum");
  b.node("Relu", "r2", {"sum"}, "r2o");
  b.node("Clip", "clip", {"r2o", "lo", "hi"}, "c6");
  b.initializer(scalar("lo", 0.f));
  b.initializer(scalar("hi", 6.f));
  b.node("GlobalAveragePool", "gap", {"c6"}, "g");
  b.node("Shape", "shape", {"g"}, "s");
  b.node("Gather", "gather", {"s", "zero"}, "n");
  b.initializer(int64_tensor("zero", {0}));
  b.graph()->mutable_initializer(b.graph()->initializer_size() - 1)->clear_dims();  // a scalar index
  auto* unsq = b.node("Unsqueeze", "unsq", {"n", "axes0"}, "n1");
  (void)unsq;
  b.initializer(int64_tensor("axes0", {0}));
  b.node("Concat", "cat", {"n1", "minus1"}, "target");
  set_int(b.graph()->mutable_node(b.graph()->node_size() - 1), "axis", 0);
  b.initializer(int64_tensor("minus1", {-1}));
  b.node("Reshape", "flat", {"g", "target"}, "f");
  b.node("Dropout", "drop", {"f"}, "fd");
  auto* fc = b.node("Gemm", "fc", {"fd", "fw", "fb"}, "logits");
  set_int(fc, "transB", 1);
  b.initializer(float_tensor("fw", {3, 2}, {1, -1, 0.5f, 0.5f, -1, 2}));
  b.initializer(float_tensor("fb", {3}, {0, 0.1f, -0.1f}));
  b.node("Softmax", "softmax", {"logits"}, "prob");
  return b;
}

TEST(OnnxGraph, ResidualGraphLoadsWithFoldsAndInputs) {
  const Network net = load_onnx(residual_graph().save("residual"));
  std::vector<OpKind> kinds;
  for (const Op& op : net.ops) kinds.push_back(op.kind);
  EXPECT_EQ(kinds, (std::vector<OpKind>{OpKind::relu, OpKind::conv, OpKind::relu, OpKind::conv, OpKind::add, OpKind::clip,
                                        OpKind::global_avgpool, OpKind::flatten, OpKind::dense}));
  EXPECT_EQ(net.ops[1].folded, "bn1");
  EXPECT_EQ(net.ops[3].folded, "bn2");
  EXPECT_EQ(net.ops[3].group, 2);
  EXPECT_EQ(net.ops[4].inputs, (std::vector<int>{3, 0}));  // the residual reads the input's Relu
  EXPECT_EQ(net.ops[5].onnx_op, "Relu+Clip");               // Relu then Clip: one clip, min max(0, lo)
  EXPECT_EQ(net.ops[5].clip_min, 0.f);
  EXPECT_EQ(net.ops[5].clip_max, 6.f);
  EXPECT_EQ(net.ops[6].out_shape, (std::vector<int64_t>{2, 1, 1}));
  EXPECT_EQ(net.ops[7].out_shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(net.dropped_softmax, "softmax");
  // Folding: w' = w * g / sqrt(v + eps), b' = (b - m) * g / sqrt(v + eps) + beta.
  const double s0 = 2.0 / std::sqrt(4.0 + 1e-5), s1 = 0.5 / std::sqrt(0.25 + 1e-5);
  EXPECT_FLOAT_EQ(net.ops[1].weight[0], float(-0.3 * s0));
  EXPECT_FLOAT_EQ(net.ops[1].weight[18], float(double(float(int(18 % 7) - 3) * 0.1f) * s1));
  EXPECT_FLOAT_EQ(net.ops[1].bias[0], float(-0.3 * s0 + 0.1));
  EXPECT_FLOAT_EQ(net.ops[1].bias[1], float(0.1 * s1 - 0.2));
  EXPECT_NO_THROW(check_mappable(net));
}

// The float inference of the loaded graph against the same arithmetic written out by hand.
TEST(OnnxGraph, ResidualGraphFloatInferenceByHand) {
  const Network net = load_onnx(residual_graph().save("residual_hand"));
  std::vector<float> x(32);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i * 7 % 11) - 4) * 0.25f;
  std::vector<std::vector<float>> outs;
  const std::vector<float> logits = forward_float(net, x, &outs);
  auto conv3x3 = [](const std::vector<float>& in, const std::vector<float>& w, const std::vector<float>& b, int group) {
    std::vector<float> out(32);
    const int per = 2 / group;
    for (int o = 0; o < 2; ++o)
      for (int y = 0; y < 4; ++y)
        for (int xx = 0; xx < 4; ++xx) {
          double sum = b[size_t(o)];
          for (int c = o / (2 / group) * per; c < o / (2 / group) * per + per; ++c)
            for (int ky = 0; ky < 3; ++ky)
              for (int kx = 0; kx < 3; ++kx) {
                const int iy = y + ky - 1, ix = xx + kx - 1;
                if (iy < 0 || iy > 3 || ix < 0 || ix > 3) continue;
                sum += double(w[size_t(((o * per + c % per) * 3 + ky) * 3 + kx)]) * in[size_t((c * 4 + iy) * 4 + ix)];
              }
          out[size_t((o * 4 + y) * 4 + xx)] = float(sum);
        }
    return out;
  };
  std::vector<float> xr = x;
  for (float& v : xr) v = std::max(v, 0.f);
  std::vector<float> a = conv3x3(xr, net.ops[1].weight, net.ops[1].bias, 1);
  for (float& v : a) v = std::max(v, 0.f);
  std::vector<float> d = conv3x3(a, net.ops[3].weight, net.ops[3].bias, 2);
  for (size_t i = 0; i < d.size(); ++i) d[i] = std::min(std::max(d[i] + xr[i], 0.f), 6.f);
  float g[2] = {0, 0};
  for (size_t i = 0; i < 32; ++i) g[i / 16] += d[i] / 16;
  const float expect[3] = {g[0] - g[1], 0.5f * g[0] + 0.5f * g[1] + 0.1f, -g[0] + 2 * g[1] - 0.1f};
  ASSERT_EQ(logits.size(), 3u);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(logits[size_t(k)], expect[k], 1e-5f);
  EXPECT_EQ(outs.size(), net.ops.size());
}

TEST(OnnxGraph, BatchNormWithoutConvIsAnAffineAndConcatJoinsChannels) {
  ModelBuilder b({2, 2, 2}, "y");
  b.node("BatchNormalization", "bn", {"x", "g", "be", "m", "v"}, "a");
  b.initializer(float_tensor("g", {2}, {1, 2}));
  b.initializer(float_tensor("be", {2}, {0, 1}));
  b.initializer(float_tensor("m", {2}, {0, 0}));
  b.initializer(float_tensor("v", {2}, {1, 1}));
  b.node("LeakyRelu", "leaky", {"a"}, "l");
  set_float(b.graph()->mutable_node(1), "alpha", 0.5f);
  b.node("Relu", "relu", {"x"}, "r");
  b.node("Concat", "cat", {"l", "r"}, "c");
  set_int(b.graph()->mutable_node(3), "axis", 1);
  auto* mean = b.node("ReduceMean", "mean", {"c"}, "m4");
  set_ints(mean, "axes", {2, 3});
  set_int(mean, "keepdims", 0);
  b.node("Identity", "id", {"m4"}, "y");
  const Network net = load_onnx(b.save("affine"));
  ASSERT_EQ(net.ops.size(), 5u);
  EXPECT_EQ(net.ops[0].kind, OpKind::affine);
  EXPECT_EQ(net.ops[1].kind, OpKind::leaky_relu);
  EXPECT_EQ(net.ops[3].kind, OpKind::concat);
  EXPECT_EQ(net.ops[3].inputs, (std::vector<int>{1, 2}));
  EXPECT_EQ(net.ops[3].out_shape, (std::vector<int64_t>{4, 2, 2}));
  EXPECT_EQ(net.ops[4].kind, OpKind::global_avgpool);
  EXPECT_EQ(net.ops[4].out_shape, (std::vector<int64_t>{4}));
  const std::vector<float> x = {1, -2, 3, -4, -1, 2, -3, 4};
  const std::vector<float> y = forward_float(net, x);
  // affine: ch0 x, ch1 2x+1; leaky 0.5 on negatives; relu of x; means per channel
  EXPECT_NEAR(y[0], (1 - 1 + 3 - 2) / 4.f, 1e-4);  // BN's default epsilon 1e-5 in the variance
  EXPECT_NEAR(y[1], (-0.5f + 5 - 2.5f + 9) / 4.f, 1e-4);
  EXPECT_FLOAT_EQ(y[2], (1 + 0 + 3 + 0) / 4.f);
  EXPECT_FLOAT_EQ(y[3], (0 + 2 + 0 + 4) / 4.f);
  // The array cannot take what can be negative.
  ModelBuilder neg({2, 2, 2}, "z");
  neg.node("BatchNormalization", "bn", {"x", "g", "be", "m", "v"}, "a");
  for (const char* p : {"g", "be", "m", "v"}) neg.initializer(float_tensor(p, {2}, {1, 1}));
  neg.node("LeakyRelu", "leaky", {"a"}, "l");
  neg.node("Flatten", "flat", {"l"}, "f");
  neg.node("Gemm", "fc", {"f", "w"}, "z");
  set_int(neg.graph()->mutable_node(3), "transB", 1);
  neg.initializer(float_tensor("w", {1, 8}, std::vector<float>(8, 1.f)));
  const Network bad = load_onnx(neg.save("negative"));
  try {
    check_mappable(bad);
    FAIL() << "a LeakyRelu feeding the array was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(e.position().find("node 'fc'"), std::string::npos) << e.what();
    EXPECT_NE(e.reason().find("can be negative"), std::string::npos) << e.what();
  }
}

TEST(OnnxGraph, UnsupportedOpsNameNodeTypeAndAlternative) {
  ModelBuilder b({4}, "y");
  b.node("Sigmoid", "/5/Sigmoid", {"x"}, "y");
  expect_input_error(b.save("sigmoid2"), "node '/5/Sigmoid'", "nearest supported alternative: Relu or Clip");
  ModelBuilder t({4}, "y");
  t.node("Tile", "tile", {"x"}, "y");
  expect_input_error(t.save("tile"), "node 'tile'", "unsupported op 'Tile'; nearest supported alternative: none");
}

TEST(OnnxGraph, TwoInputsAndShapesThatDoNotFitAreRejected) {
  ModelBuilder two({4}, "y");
  auto* in2 = two.graph()->add_input();
  in2->set_name("x2");
  in2->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(1);
  two.node("Add", "add", {"x", "x2"}, "y");
  expect_input_error(two.save("two_inputs"), "graph input 'x2'", "more than one data input");

  ModelBuilder add({2, 2, 2}, "y");
  add.node("MaxPool", "pool", {"x"}, "p");
  set_ints(add.graph()->mutable_node(0), "kernel_shape", {2, 2});
  add.node("Add", "res", {"p", "x"}, "y");
  expect_input_error(add.save("add_shapes"), "node 'res'", "no broadcasting");

  ModelBuilder cat({2, 2, 2}, "y");
  cat.node("MaxPool", "pool", {"x"}, "p");
  set_ints(cat.graph()->mutable_node(0), "kernel_shape", {2, 2});
  cat.node("Concat", "cat", {"x", "p"}, "y");
  set_int(cat.graph()->mutable_node(1), "axis", 1);
  expect_input_error(cat.save("cat_shapes"), "node 'cat'", "does not fit");

  auto soft = conv_flatten_gemm();
  soft.graph()->mutable_node(2)->set_output(0, "g");
  soft.node("Softmax", "sm", {"g"}, "s");
  soft.node("Relu", "after", {"s"}, "y");
  expect_input_error(soft.save("softmax_mid"), "node 'sm'", "only as the last op");
}

// The shipped residual model exported with a dynamic batch and the same file with batch 1.
TEST(OnnxGraph, DynamicBatchRunsAsStatic) {
  const std::string path = std::string(SLQSIM_SOURCE_DIR) + "/data/resnet_fmnist.onnx";
  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(model.ParseFromIstream(&in));
  auto* batch = model.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0);
  ASSERT_TRUE(batch->has_dim_param());
  batch->set_dim_value(1);
  std::string bytes;
  model.SerializeToString(&bytes);
  const Network dynamic = load_onnx(path), fixed = load_onnx(write_bytes("static.onnx", bytes));
  ASSERT_EQ(dynamic.ops.size(), fixed.ops.size());
  std::vector<float> x(784);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i % 29) / 29.f;
  EXPECT_EQ(forward_float(dynamic, x), forward_float(fixed, x));
  batch->set_dim_value(4);
  model.SerializeToString(&bytes);
  expect_input_error(write_bytes("batch4.onnx", bytes), "graph input", "batch dimension must be dynamic or 1");
}

}  // namespace
}  // namespace slq
