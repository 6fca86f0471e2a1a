#include "models/io/onnx_model.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "models/errors.h"

namespace slq {
namespace {

// Guards against garbage files: no real layer of this simulator comes near these sizes.
constexpr int64_t kMaxElements = int64_t(1) << 30;
constexpr int64_t kMaxDim = int64_t(1) << 24;

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "{";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "}";
}

// Walks the graph and fails with the file and the node in every message.
class Loader {
 public:
  Loader(const std::string& path, const onnx::GraphProto& graph) : path_(path), graph_(graph) {}

  Network load() {
    index_tensors();
    Network net;
    net.path = path_;
    std::string tensor = find_graph_input(net.input_shape);
    std::vector<int64_t> shape = net.input_shape;

    std::map<std::string, std::vector<int>> consumers;  // tensor -> node indices reading it
    for (int i = 0; i < graph_.node_size(); ++i)
      for (const std::string& in : graph_.node(i).input())
        if (!in.empty()) consumers[in].push_back(i);

    std::set<int> visited;
    while (true) {
      const std::vector<int>& readers = consumers[tensor];
      if (readers.empty()) break;
      if (readers.size() > 1)
        fail("tensor '" + tensor + "'", "is read by " + std::to_string(readers.size()) +
                                            " nodes; only a single chain of ops is supported");
      int index = readers[0];
      const onnx::NodeProto& node = graph_.node(index);
      if (!visited.insert(index).second) fail(node_pos(node), "the graph has a cycle");
      if (node.input_size() < 1 || node.input(0) != tensor)
        fail(node_pos(node), "reads the data tensor '" + tensor + "' as a parameter input");
      if (node.output_size() < 1 || node.output(0).empty())
        fail(node_pos(node), "has no output");

      Op op = convert(node, shape);
      for (int64_t d : op.out_shape)  // every op's output has at least one value in every dimension
        if (d < 1) fail(node_pos(node), "empty output shape " + shape_str(op.out_shape));
      // Bounded like the input: a window op with huge pads (or a huge channel count) would
      // otherwise ask for an output nobody can allocate.
      element_count(op.out_shape, node_pos(node) + ", output");
      tensor = node.output(0);
      if (node.op_type() == "MatMul") tensor = fuse_bias_add(op, tensor, consumers, visited);
      shape = op.out_shape;
      net.ops.push_back(std::move(op));
    }

    for (int i = 0; i < graph_.node_size(); ++i) {
      const onnx::NodeProto& node = graph_.node(i);
      if (!visited.count(i) && node.op_type() != "Constant")
        fail(node_pos(node), "is not on the chain from the graph input to the output (op '" +
                                 node.op_type() + "')");
    }
    if (net.ops.empty()) fail("", "the graph has no ops");
    bool is_output = false;
    for (const auto& out : graph_.output()) is_output |= out.name() == tensor;
    if (!is_output) fail("tensor '" + tensor + "'", "the chain ends in a tensor that is not a graph output");
    return net;
  }

 private:
  [[noreturn]] void fail(const std::string& position, const std::string& reason) const {
    throw InputError(path_, position, reason);
  }
  static std::string node_name(const onnx::NodeProto& node) {
    if (!node.name().empty()) return node.name();
    return node.output_size() > 0 ? node.output(0) : node.op_type();
  }
  static std::string node_pos(const onnx::NodeProto& node) { return "node '" + node_name(node) + "'"; }

  void index_tensors() {
    for (const auto& t : graph_.initializer()) tensors_[t.name()] = &t;
    for (const auto& node : graph_.node()) {
      if (node.op_type() != "Constant") continue;
      for (const auto& attr : node.attribute())
        if (attr.name() == "value" && attr.has_t() && node.output_size() == 1)
          tensors_[node.output(0)] = &attr.t();
    }
  }

  // The one graph input that is not an initializer; returns its name and per-image shape.
  std::string find_graph_input(std::vector<int64_t>& per_image_shape) const {
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& in : graph_.input()) {
      if (tensors_.count(in.name())) continue;
      if (input) fail("graph input '" + in.name() + "'", "the graph has more than one data input");
      input = &in;
    }
    if (!input) fail("", "the graph has no data input");
    std::string position = "graph input '" + input->name() + "'";
    if (!input->type().has_tensor_type() || !input->type().tensor_type().has_shape())
      fail(position, "has no tensor shape");
    const auto& dims = input->type().tensor_type().shape().dim();
    if (dims.size() < 2) fail(position, "expected a batch dimension and at least one more");
    if (dims[0].has_dim_value() && dims[0].dim_value() != 1)
      fail(position, "batch dimension must be dynamic or 1, not " + std::to_string(dims[0].dim_value()));
    per_image_shape.clear();
    for (int i = 1; i < dims.size(); ++i) {
      if (!dims[i].has_dim_value() || dims[i].dim_value() < 1 || dims[i].dim_value() > kMaxDim)
        fail(position, "dimension " + std::to_string(i) + " must be a fixed positive size");
      per_image_shape.push_back(dims[i].dim_value());
    }
    element_count(per_image_shape, position);
    return input->name();
  }

  int64_t element_count(const std::vector<int64_t>& shape, const std::string& position) const {
    int64_t n = 1;
    for (int64_t d : shape) {
      if (d < 0 || d > kMaxDim) fail(position, "bad dimension in shape " + shape_str(shape));
      n *= d;
      if (n > kMaxElements) fail(position, "tensor too large: " + shape_str(shape));
    }
    return n;
  }

  // ---- initializers and Constant outputs ----
  const onnx::TensorProto& tensor(const onnx::NodeProto& node, int input_index) const {
    if (node.input_size() <= input_index || node.input(input_index).empty())
      fail(node_pos(node), "missing input " + std::to_string(input_index));
    auto it = tensors_.find(node.input(input_index));
    if (it == tensors_.end())
      fail(node_pos(node), "input '" + node.input(input_index) + "' is not an initializer or Constant");
    return *it->second;
  }
  std::vector<int64_t> dims_of(const onnx::TensorProto& t, const std::string& position) const {
    std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
    element_count(dims, position);
    return dims;
  }
  std::vector<float> floats(const onnx::TensorProto& t, const std::string& position) const {
    std::string what = position + ", tensor '" + t.name() + "'";
    if (t.data_type() != onnx::TensorProto::FLOAT) fail(what, "expected float32 data");
    if (t.data_location() == onnx::TensorProto::EXTERNAL) fail(what, "external data is not supported");
    const std::vector<int64_t> dims = dims_of(t, what);
    for (int64_t d : dims)  // weights and biases of no values: a layer with no outputs or inputs
      if (d < 1) fail(what, "has an empty dimension in shape " + shape_str(dims));
    size_t n = size_t(element_count(dims, what));
    std::vector<float> values(n);
    if (!t.raw_data().empty()) {
      if (t.raw_data().size() != n * sizeof(float))
        fail(what, "raw_data has " + std::to_string(t.raw_data().size()) + " bytes, expected " +
                       std::to_string(n * sizeof(float)));
      std::memcpy(values.data(), t.raw_data().data(), n * sizeof(float));  // little-endian host
    } else {
      if (size_t(t.float_data_size()) != n)
        fail(what, "has " + std::to_string(t.float_data_size()) + " values, expected " + std::to_string(n));
      std::copy(t.float_data().begin(), t.float_data().end(), values.begin());
    }
    for (size_t i = 0; i < n; ++i)
      if (!std::isfinite(values[i]))
        fail(what, "value " + std::to_string(i) + " is " + (std::isnan(values[i]) ? "NaN" : "infinite") +
                       "; weights and biases must be finite");
    return values;
  }
  std::vector<int64_t> ints(const onnx::TensorProto& t, const std::string& position) const {
    std::string what = position + ", tensor '" + t.name() + "'";
    if (t.data_type() != onnx::TensorProto::INT64) fail(what, "expected int64 data");
    size_t n = size_t(element_count(dims_of(t, what), what));
    std::vector<int64_t> values(n);
    if (!t.raw_data().empty()) {
      if (t.raw_data().size() != n * sizeof(int64_t)) fail(what, "raw_data size does not match its shape");
      std::memcpy(values.data(), t.raw_data().data(), n * sizeof(int64_t));
    } else {
      if (size_t(t.int64_data_size()) != n) fail(what, "value count does not match its shape");
      std::copy(t.int64_data().begin(), t.int64_data().end(), values.begin());
    }
    return values;
  }

  // ---- attributes ----
  const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const std::string& name) const {
    for (const auto& a : node.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  int64_t int_attr(const onnx::NodeProto& node, const std::string& name, int64_t fallback) const {
    const auto* a = attribute(node, name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::INT) fail(node_pos(node), "attribute '" + name + "' must be an int");
    return a->i();
  }
  float float_attr(const onnx::NodeProto& node, const std::string& name, float fallback) const {
    const auto* a = attribute(node, name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::FLOAT) fail(node_pos(node), "attribute '" + name + "' must be a float");
    return a->f();
  }
  std::vector<int64_t> ints_attr(const onnx::NodeProto& node, const std::string& name,
                                 std::vector<int64_t> fallback) const {
    const auto* a = attribute(node, name);
    if (!a) return fallback;
    if (a->type() != onnx::AttributeProto::INTS) fail(node_pos(node), "attribute '" + name + "' must be ints");
    return {a->ints().begin(), a->ints().end()};
  }
  void require_no_auto_pad(const onnx::NodeProto& node) const {
    const auto* a = attribute(node, "auto_pad");
    if (a && a->s() != "NOTSET") fail(node_pos(node), "auto_pad '" + a->s() + "' is not supported; use explicit pads");
  }

  // ---- ops ----
  Op convert(const onnx::NodeProto& node, const std::vector<int64_t>& in_shape) {
    Op op;
    op.name = node_name(node);
    op.onnx_op = node.op_type();
    op.in_shape = in_shape;
    const std::string& type = node.op_type();
    if (type == "Conv") {
      convert_conv(node, op);
    } else if (type == "Gemm" || type == "MatMul") {
      convert_dense(node, op);
    } else if (type == "Relu") {
      op.kind = OpKind::relu;
      op.out_shape = in_shape;
    } else if (type == "MaxPool" || type == "AveragePool") {
      convert_pool(node, op);
    } else if (type == "Flatten") {
      int64_t axis = int_attr(node, "axis", 1);
      if (axis < 0) axis += int64_t(in_shape.size()) + 1;  // the ONNX rank includes the batch
      if (axis != 1) fail(node_pos(node), "only Flatten with axis 1 (keep the batch) is supported");
      flatten(op);
    } else if (type == "Reshape") {
      std::vector<int64_t> target = ints(tensor(node, 1), node_pos(node));
      int64_t n = element_count(in_shape, node_pos(node));
      bool batch_ok = target.size() == 2 && (target[0] == 0 || target[0] == 1 || target[0] == -1);
      bool rest_ok = target.size() == 2 && (target[1] == n || (target[1] == -1 && target[0] != -1));
      if (!batch_ok || !rest_ok)
        fail(node_pos(node), "only a flattening Reshape to {batch, -1} is supported, got shape " + shape_str(target));
      flatten(op);
    } else {
      fail(node_pos(node), "unsupported op '" + type +
                               "' (supported: Conv, Gemm, MatMul+Add, Relu, MaxPool, AveragePool, "
                               "Flatten, Reshape)");
    }
    return op;
  }

  void flatten(Op& op) const {
    op.kind = OpKind::flatten;
    op.out_shape = {element_count(op.in_shape, "node '" + op.name + "'")};
  }

  // Output size of a sliding window; fails when the window does not fit.
  int64_t window_out(const onnx::NodeProto& node, int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                     int64_t pad_end) const {
    if (kernel < 1 || stride < 1 || pad_begin < 0 || pad_end < 0 || kernel > kMaxDim || stride > kMaxDim ||
        pad_begin > kMaxDim || pad_end > kMaxDim)
      fail(node_pos(node), "kernel, stride and pads must be positive (pads non-negative)");
    int64_t span = in + pad_begin + pad_end - kernel;
    if (span < 0)
      fail(node_pos(node), "kernel " + std::to_string(kernel) + " is larger than the padded input " +
                               std::to_string(in + pad_begin + pad_end));
    return span / stride + 1;
  }

  // Reads kernel_shape/strides/pads for a 2-D window op over a C,H,W input.
  void window_geometry(const onnx::NodeProto& node, Op& op, std::vector<int64_t> kernel) const {
    if (op.in_shape.size() != 3)
      fail(node_pos(node), "expected a C,H,W input, got " + shape_str(op.in_shape));
    require_no_auto_pad(node);
    kernel = ints_attr(node, "kernel_shape", kernel);
    auto strides = ints_attr(node, "strides", {1, 1});
    auto pads = ints_attr(node, "pads", {0, 0, 0, 0});
    auto dilations = ints_attr(node, "dilations", {1, 1});
    if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 || dilations.size() != 2)
      fail(node_pos(node), "only 2-D kernels are supported (kernel_shape, strides, dilations of 2, pads of 4)");
    if (dilations[0] != 1 || dilations[1] != 1) fail(node_pos(node), "dilations other than 1 are not supported");
    // window_out validates the geometry, so the narrowing below is safe.
    int64_t out_h = window_out(node, op.in_shape[1], kernel[0], strides[0], pads[0], pads[2]);
    int64_t out_w = window_out(node, op.in_shape[2], kernel[1], strides[1], pads[1], pads[3]);
    op.kernel_h = int(kernel[0]);
    op.kernel_w = int(kernel[1]);
    op.stride_h = int(strides[0]);
    op.stride_w = int(strides[1]);
    op.pad_top = int(pads[0]);
    op.pad_left = int(pads[1]);
    op.pad_bottom = int(pads[2]);
    op.pad_right = int(pads[3]);
    op.out_shape = {op.in_shape[0], out_h, out_w};
  }

  void convert_conv(const onnx::NodeProto& node, Op& op) const {
    op.kind = OpKind::conv;
    std::string pos = node_pos(node);
    if (int_attr(node, "group", 1) != 1) fail(pos, "grouped convolution (group != 1) is not supported");
    const onnx::TensorProto& w = tensor(node, 1);
    op.weight_shape = dims_of(w, pos);
    if (op.weight_shape.size() != 4) fail(pos, "expected a 4-D weight, got " + shape_str(op.weight_shape));
    for (int64_t d : op.weight_shape)
      if (d < 1) fail(pos, "weight shape " + shape_str(op.weight_shape) + " has an empty dimension");
    op.weight = floats(w, pos);
    window_geometry(node, op, {op.weight_shape[2], op.weight_shape[3]});
    if (op.kernel_h != op.weight_shape[2] || op.kernel_w != op.weight_shape[3])
      fail(pos, "kernel_shape does not match the weight shape " + shape_str(op.weight_shape));
    if (op.weight_shape[1] != op.in_shape[0])
      fail(pos, "weight expects " + std::to_string(op.weight_shape[1]) + " input channels, input has " +
                    std::to_string(op.in_shape[0]));
    int64_t out_channels = op.weight_shape[0];
    op.out_shape[0] = out_channels;
    op.bias.assign(size_t(out_channels), 0.f);
    if (node.input_size() > 2 && !node.input(2).empty()) set_bias(op, floats(tensor(node, 2), pos), pos);
  }

  void convert_dense(const onnx::NodeProto& node, Op& op) const {
    op.kind = OpKind::dense;
    std::string pos = node_pos(node);
    bool transposed = false;  // weight stored as {O, I}
    if (node.op_type() == "Gemm") {
      if (float_attr(node, "alpha", 1.f) != 1.f || float_attr(node, "beta", 1.f) != 1.f)
        fail(pos, "Gemm with alpha or beta other than 1 is not supported");
      if (int_attr(node, "transA", 0) != 0) fail(pos, "Gemm with transA is not supported");
      int64_t trans_b = int_attr(node, "transB", 0);
      if (trans_b != 0 && trans_b != 1) fail(pos, "transB must be 0 or 1");
      transposed = trans_b == 1;
    }
    if (op.in_shape.size() != 1)
      fail(pos, "expected a flat input (add a Flatten before it), got " + shape_str(op.in_shape));
    const onnx::TensorProto& w = tensor(node, 1);
    std::vector<int64_t> dims = dims_of(w, pos);
    if (dims.size() != 2) fail(pos, "expected a 2-D weight, got " + shape_str(dims));
    int64_t outputs = transposed ? dims[0] : dims[1];
    int64_t inputs = transposed ? dims[1] : dims[0];
    if (outputs < 1 || inputs < 1)
      fail(pos, "weight " + shape_str(dims) + " has " + std::to_string(outputs) + " outputs and " +
                    std::to_string(inputs) + " inputs; both must be at least 1");
    std::vector<float> values = floats(w, pos);
    if (inputs != op.in_shape[0])
      fail(pos, "weight " + shape_str(dims) + " expects " + std::to_string(inputs) + " inputs, input has " +
                    std::to_string(op.in_shape[0]));
    op.weight_shape = {outputs, inputs};
    if (transposed) {
      op.weight = std::move(values);
    } else {
      op.weight.resize(values.size());
      for (int64_t i = 0; i < inputs; ++i)
        for (int64_t o = 0; o < outputs; ++o) op.weight[size_t(o * inputs + i)] = values[size_t(i * outputs + o)];
    }
    op.out_shape = {outputs};
    op.bias.assign(size_t(outputs), 0.f);
    if (node.op_type() == "Gemm" && node.input_size() > 2 && !node.input(2).empty())
      set_bias(op, floats(tensor(node, 2), pos), pos);
  }

  void set_bias(Op& op, std::vector<float> bias, const std::string& pos) const {
    if (bias.size() != op.bias.size())
      fail(pos, "bias has " + std::to_string(bias.size()) + " values, expected " + std::to_string(op.bias.size()));
    op.bias = std::move(bias);
  }

  // MatMul is followed by an Add of the bias in PyTorch exports of nn.Linear without Gemm.
  std::string fuse_bias_add(Op& op, const std::string& matmul_out, std::map<std::string, std::vector<int>>& consumers,
                            std::set<int>& visited) const {
    const std::vector<int>& readers = consumers[matmul_out];
    if (readers.size() != 1 || graph_.node(readers[0]).op_type() != "Add") return matmul_out;
    const onnx::NodeProto& add = graph_.node(readers[0]);
    if (add.input_size() != 2 || add.output_size() < 1) fail(node_pos(add), "expected two inputs");
    int bias_index = add.input(0) == matmul_out ? 1 : 0;
    if (!tensors_.count(add.input(bias_index))) return matmul_out;  // not a bias: leave it unsupported
    set_bias(op, floats(tensor(add, bias_index), node_pos(add)), node_pos(add));
    visited.insert(readers[0]);
    return add.output(0);
  }

  void convert_pool(const onnx::NodeProto& node, Op& op) const {
    std::string pos = node_pos(node);
    op.kind = node.op_type() == "MaxPool" ? OpKind::maxpool : OpKind::avgpool;
    if (!attribute(node, "kernel_shape")) fail(pos, "missing kernel_shape");
    if (int_attr(node, "ceil_mode", 0) != 0) fail(pos, "ceil_mode 1 is not supported");
    if (op.kind == OpKind::maxpool && int_attr(node, "storage_order", 0) != 0)
      fail(pos, "storage_order 1 is not supported");
    op.count_include_pad = int_attr(node, "count_include_pad", 0) != 0;
    window_geometry(node, op, {});
  }

  std::string path_;
  const onnx::GraphProto& graph_;
  std::map<std::string, const onnx::TensorProto*> tensors_;
};

}  // namespace

Network load_onnx(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError(path, "", "cannot open the model file");
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&file)) throw InputError(path, "", "not a valid ONNX model (protobuf parse failed)");
  if (!model.has_graph()) throw InputError(path, "", "the ONNX model has no graph");
  return Loader(path, model.graph()).load();
}

}  // namespace slq
