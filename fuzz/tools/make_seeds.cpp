// Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/), small valid inputs of
// every kind each target reads: tools/fuzz.sh --seeds runs it. The committed corpus is its output;
// rerun it only when an input format changes.
#include <onnx/onnx_pb.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "models/codec/codec.h"
#include "models/codec/memimage.h"
#include "models/io/npy.h"

namespace fs = std::filesystem;
using namespace slq;

namespace {

std::string root;

void put(const std::string& target, const std::string& name, const std::string& bytes) {
  const fs::path dir = fs::path(root) / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::string le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += char((v >> (8 * i)) & 0xff);
  return s;
}
std::string be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

// ---- streams ----
struct Case {
  const char* name;
  CodeParams code;
  WeightWords words;
};

WeightWords words_of(const std::vector<std::vector<int>>& ws) {
  WeightWords w;
  for (const auto& x : ws) w.add(x);
  return w;
}

std::vector<Case> stream_cases() {
  std::vector<Case> out;
  auto code = [](Format f, int b, int N, int W, int L) {
    CodeParams p;
    p.format = f;
    p.word_bits = b;
    p.stream_bits = N;
    p.mem_word_bits = W;
    p.max_words = L;
    p.theta = 0.03125;
    return p;
  };
  out.push_back({"tag_b5_w32", code(Format::tag, 5, 8, 32, 2), words_of({{3}, {-2}, {1, 4}, {0}, {5}, {-1, -9}})});
  out.push_back({"special_b5_w32", code(Format::special, 5, 8, 32, 2), words_of({{3}, {-2}, {1, 4}, {0}, {5}, {2, 7}})});
  out.push_back({"special_b3_w5", code(Format::special, 3, 4, 5, 3), words_of({{1}, {-2, 1, 3}, {0}, {3, -1}})});
  out.push_back({"lq_b5_w8", code(Format::lq, 5, 8, 8, 1), words_of({{3}, {-16}, {1}, {0}, {12}})});
  out.push_back({"linear_n8_w64", code(Format::linear, 5, 8, 64, 1), words_of({{5}, {-3}, {0}, {255}, {-255}})});
  out.push_back({"linear_n4_w5", code(Format::linear, 5, 4, 5, 1), words_of({{5}, {-3}, {0}, {15}})});
  return out;
}

std::string word_bytes(const std::vector<uint64_t>& mem, int W) {
  const int bytes = (W + 7) / 8;
  std::string s;
  for (uint64_t w : mem)
    for (int i = bytes - 1; i >= 0; --i) s += char((w >> (8 * i)) & 0xff);
  return s;
}

std::string header(const CodeParams& p, uint64_t weights, int count_bytes) {
  return std::string{char(static_cast<int>(p.format)), char(p.word_bits), char(p.stream_bits), char(p.mem_word_bits),
                     char(p.max_words)} +
         le(weights, count_bytes);
}

void streams() {
  for (const Case& c : stream_cases()) {
    const PackedStream s = pack_stream(c.words, c.code);
    const uint64_t n = c.words.weight_count();
    put("stream", c.name, header(c.code, n, 8) + word_bytes(s.mem, c.code.mem_word_bits));
    // schedule: cols = n (one row), F, FIFO depth, B.
    put("schedule", c.name,
        header(c.code, n, 2) + le(n, 2) + char(1) + le(2, 2) + char(1) + word_bytes(s.mem, c.code.mem_word_bits));
    put("schedule", std::string(c.name) + "_f2_b3",
        header(c.code, n, 2) + le(n, 2) + char(2) + le(1, 2) + char(3) + word_bytes(s.mem, c.code.mem_word_bits));
    MemoryImage img;
    img.layer = c.name;
    img.params = c.code;
    img.shape = {int64_t(n)};
    img.weight_count = n;
    if (c.code.format == Format::linear) img.linear_step = 0.01;
    else img.scale_exponents = {-2};
    img.stream = s;
    put("memimage", c.name, image_sidecar_text(img) + '\0' + image_hex_text(img));
  }
}

// ---- npy ----
void npy() {
  put("npy", "2x3", npy_int32_bytes({2, 3}, {1, -2, 3, 2147483647, -2147483647 - 1, 0}));
  put("npy", "4", npy_int32_bytes({4}, {7, 8, 9, 10}));
  put("npy", "empty", npy_int32_bytes({0}, {}));
  put("npy", "scalar", npy_int32_bytes({}, {42}));
}

// ---- IDX ----
std::string gzip(const std::string& bytes) {
  const std::string tmp = (fs::temp_directory_path() / "slq_make_seeds.gz").string();
  gzFile f = gzopen(tmp.c_str(), "wb");
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
  std::ifstream in(tmp, std::ios::binary);
  std::string out{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  fs::remove(tmp);
  return out;
}

void idx() {
  std::string images = be32(0x803) + be32(2) + be32(2) + be32(3);
  for (int i = 0; i < 12; ++i) images += char(i * 20);
  const std::string labels = be32(0x801) + be32(2) + std::string{char(3), char(9)};
  put("idx", "plain_2x2x3", le(images.size(), 2) + images + labels);
  const std::string gz = gzip(images);
  put("idx", "gzip_2x2x3", le(gz.size(), 2) + gz + gzip(labels));
}

// ---- ONNX ----
onnx::TensorProto float_tensor(const std::string& name, std::vector<int64_t> dims, bool raw) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  size_t n = 1;
  for (int64_t d : dims) {
    t.add_dims(d);
    n *= size_t(d);
  }
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = float((int(i * 37 % 17) - 8)) / 16.0f;
  if (raw) t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), n * sizeof(float)));
  else
    for (float x : v) t.add_float_data(x);
  return t;
}

struct Model {
  onnx::ModelProto m;
  onnx::GraphProto* g = m.mutable_graph();
  explicit Model(std::vector<int64_t> dims, const std::string& output) {
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    auto* in = g->add_input();
    in->set_name("x");
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = in->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->add_dim()->set_dim_param("batch");
    for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
    g->add_output()->set_name(output);
  }
  onnx::NodeProto* node(const std::string& op, std::vector<std::string> inputs, const std::string& out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name("/" + out + "/" + op);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(out);
    return n;
  }
  std::string bytes() const {
    std::string s;
    m.SerializeToString(&s);
    return s;
  }
};

void ints(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
void one_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void onnx_models() {
  {  // Conv -> Relu -> MaxPool -> Flatten -> Gemm (transB = 1), as PyTorch exports LeNet.
    Model m({1, 6, 6}, "y");
    auto* conv = m.node("Conv", {"x", "w1", "b1"}, "c");
    ints(conv, "kernel_shape", {3, 3});
    ints(conv, "pads", {1, 1, 1, 1});
    ints(conv, "strides", {1, 1});
    *m.g->add_initializer() = float_tensor("w1", {2, 1, 3, 3}, true);
    *m.g->add_initializer() = float_tensor("b1", {2}, true);
    m.node("Relu", {"c"}, "r");
    auto* pool = m.node("MaxPool", {"r"}, "p");
    ints(pool, "kernel_shape", {2, 2});
    ints(pool, "strides", {2, 2});
    m.node("Flatten", {"p"}, "f");
    auto* gemm = m.node("Gemm", {"f", "w2", "b2"}, "y");
    one_int(gemm, "transB", 1);
    *m.g->add_initializer() = float_tensor("w2", {3, 18}, true);
    *m.g->add_initializer() = float_tensor("b2", {3}, true);
    put("onnx", "conv_relu_maxpool_gemm", m.bytes());
  }
  {  // AveragePool, Reshape to {1, -1}, MatMul + Add bias, float_data.
    Model m({2, 4, 4}, "y");
    auto* conv = m.node("Conv", {"x", "w1"}, "c");
    ints(conv, "kernel_shape", {2, 2});
    *m.g->add_initializer() = float_tensor("w1", {1, 2, 2, 2}, false);
    m.node("Relu", {"c"}, "r");
    auto* pool = m.node("AveragePool", {"r"}, "p");
    ints(pool, "kernel_shape", {2, 2});
    ints(pool, "pads", {0, 0, 1, 1});
    one_int(pool, "count_include_pad", 1);
    auto* shape = m.g->add_initializer();
    shape->set_name("shape");
    shape->set_data_type(onnx::TensorProto::INT64);
    shape->add_dims(2);
    shape->add_int64_data(1);
    shape->add_int64_data(-1);
    m.node("Reshape", {"p", "shape"}, "f");
    m.node("MatMul", {"f", "w2"}, "mm");
    *m.g->add_initializer() = float_tensor("w2", {4, 2}, false);
    m.node("Add", {"mm", "b2"}, "y");
    *m.g->add_initializer() = float_tensor("b2", {2}, false);
    put("onnx", "conv_avgpool_reshape_matmul_add", m.bytes());
  }
  {  // Two dense layers on a flat input.
    Model m({5}, "y");
    m.node("Gemm", {"x", "w1", "b1"}, "h");
    *m.g->add_initializer() = float_tensor("w1", {5, 4}, true);
    *m.g->add_initializer() = float_tensor("b1", {4}, true);
    m.node("Relu", {"h"}, "r");
    auto* gemm = m.node("Gemm", {"r", "w2"}, "y");
    one_int(gemm, "transB", 1);
    *m.g->add_initializer() = float_tensor("w2", {2, 4}, true);
    put("onnx", "gemm_relu_gemm", m.bytes());
  }
  {  // A residual block as PyTorch exports it with BatchNormalization kept: BN folds, a depthwise
     // Conv, Add, Relu + Clip with constant bounds, GlobalAveragePool, a Shape/Gather/Unsqueeze/
     // Concat reshape target, Gemm, Softmax.
    Model m({2, 4, 4}, "y");
    auto* conv = m.node("Conv", {"x", "w1"}, "c");
    ints(conv, "kernel_shape", {3, 3});
    ints(conv, "pads", {1, 1, 1, 1});
    *m.g->add_initializer() = float_tensor("w1", {2, 2, 3, 3}, true);
    auto positive = [](const std::string& name) {
      onnx::TensorProto t;
      t.set_name(name);
      t.set_data_type(onnx::TensorProto::FLOAT);
      t.add_dims(2);
      t.add_float_data(0.5f);
      t.add_float_data(2.0f);
      return t;
    };
    m.node("BatchNormalization", {"c", "g", "b", "mu", "var"}, "bn");
    *m.g->add_initializer() = positive("g");
    *m.g->add_initializer() = float_tensor("b", {2}, true);
    *m.g->add_initializer() = float_tensor("mu", {2}, true);
    *m.g->add_initializer() = positive("var");
    m.node("Relu", {"bn"}, "r");
    auto* dw = m.node("Conv", {"r", "w2", "b2"}, "d");
    ints(dw, "kernel_shape", {3, 3});
    ints(dw, "pads", {1, 1, 1, 1});
    one_int(dw, "group", 2);
    *m.g->add_initializer() = float_tensor("w2", {2, 1, 3, 3}, true);
    *m.g->add_initializer() = float_tensor("b2", {2}, true);
    m.node("Add", {"d", "r"}, "sum");
    m.node("Relu", {"sum"}, "r2");
    m.node("Clip", {"r2", "lo", "hi"}, "c6");
    auto scalar = [](const std::string& name, float v) {
      onnx::TensorProto t;
      t.set_name(name);
      t.set_data_type(onnx::TensorProto::FLOAT);
      t.add_float_data(v);
      return t;
    };
    *m.g->add_initializer() = scalar("lo", 0.f);
    *m.g->add_initializer() = scalar("hi", 6.f);
    m.node("GlobalAveragePool", {"c6"}, "gap");
    m.node("Shape", {"gap"}, "shape");
    auto int64s = [](const std::string& name, std::vector<int64_t> v, bool scalar_dims) {
      onnx::TensorProto t;
      t.set_name(name);
      t.set_data_type(onnx::TensorProto::INT64);
      if (!scalar_dims) t.add_dims(int64_t(v.size()));
      for (int64_t x : v) t.add_int64_data(x);
      return t;
    };
    *m.g->add_initializer() = int64s("zero", {0}, true);
    m.node("Gather", {"shape", "zero"}, "n");
    *m.g->add_initializer() = int64s("axes", {0}, false);
    m.node("Unsqueeze", {"n", "axes"}, "n1");
    *m.g->add_initializer() = int64s("minus1", {-1}, false);
    one_int(m.node("Concat", {"n1", "minus1"}, "target"), "axis", 0);
    m.node("Reshape", {"gap", "target"}, "f");
    auto* gemm = m.node("Gemm", {"f", "w3", "b3"}, "logits");
    one_int(gemm, "transB", 1);
    *m.g->add_initializer() = float_tensor("w3", {3, 2}, true);
    *m.g->add_initializer() = float_tensor("b3", {3}, true);
    m.node("Softmax", {"logits"}, "y");
    put("onnx", "residual_bn_depthwise_gap_softmax", m.bytes());
  }
  {  // Concat of two branches, a BatchNormalization that follows no Conv (an affine), LeakyRelu,
     // ReduceMean over H and W, Dropout, MatMul.
    Model m({2, 3, 3}, "y");
    m.node("Relu", {"x"}, "a");
    auto* pool = m.node("MaxPool", {"x"}, "p");
    ints(pool, "kernel_shape", {1, 1});
    one_int(m.node("Concat", {"a", "p"}, "cat"), "axis", 1);
    m.node("LeakyRelu", {"cat"}, "l");
    auto* mean = m.node("ReduceMean", {"l"}, "mean");
    ints(mean, "axes", {2, 3});
    one_int(mean, "keepdims", 0);
    m.node("Dropout", {"mean"}, "drop");
    m.node("MatMul", {"drop", "w"}, "y");
    *m.g->add_initializer() = float_tensor("w", {4, 2}, false);
    put("onnx", "concat_leaky_reducemean_dropout", m.bytes());
  }
}

// ---- YAML ----
void yaml() {
  put("yaml", "run", "model: data/lenet_fmnist.onnx\nimages: 100\nencodings: [tag, special]\nword-bits: 5\nL: 2\n"
                     "theta: 0.03125\nstream-bits: 8\nmem-word-bits: 32\nlanes: 16\nbits-per-cycle: 1\n"
                     "fields-per-cycle: 2\nfifo-depth: 4\nacc-bits: 24\nsng: lfsr\nseed: 7\nsim-mode: fast\n"
                     "calibration-images: 16\ncalibration-percentile: 99.9\nclock-period-ps: 1000\n");
  put("yaml", "layers", "encodings: tag,lq\nlayer-theta: {0_Conv: 0.5, 3_Gemm: 0}\nlayer-L:\n  0_Conv: 3\n"
                        "per-channel-scale: true\nrounding: linear\nreport-dir: out/x\nvcd: out/x.vcd\n"
                        "window: 10:20\ntrace-lanes: [0, 1]\nreproducible: true\n");
  put("yaml", "flags", "run:\n  lanes: 8\n# comment\n");
  put("yaml", "empty", "");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  root = argv[1];
  streams();
  npy();
  idx();
  onnx_models();
  yaml();
  return 0;
}
