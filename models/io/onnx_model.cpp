#include "models/io/onnx_model.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <limits>
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
    const std::string input = find_graph_input(net.input_shape);
    values_[input] = {kNetworkInput, net.input_shape};
    count_readers();

    // ONNX lists nodes in topological order: one pass sees every input before its reader.
    for (int i = 0; i < graph_.node_size(); ++i) {
      const onnx::NodeProto& node = graph_.node(i);
      if (node.op_type() == "Constant") continue;  // indexed above
      if (node.output_size() < 1 || node.output(0).empty()) fail(node_pos(node), "has no output");
      if (fold_constant(node)) continue;
      convert(node, net);
    }

    if (graph_.output_size() != 1)
      fail("", "the graph has " + std::to_string(graph_.output_size()) + " outputs; slqsim needs exactly one (the logits)");
    const std::string& out_name = graph_.output(0).name();
    auto out = values_.find(out_name);
    if (out == values_.end() || out->second.producer == kNetworkInput)
      fail("graph output '" + out_name + "'", "is not computed from the input by the graph's ops");
    if (!softmax_output_.empty() && softmax_output_ != out_name)
      fail(node_pos(*softmax_node_), "Softmax/LogSoftmax is supported only as the last op (argmax is unchanged)");
    if (net.ops.empty()) fail("", "the graph has no ops");
    // Every op must lead to the output (ops only read earlier ops, so the output op is the last one).
    std::vector<bool> used(net.ops.size(), false);
    used[size_t(out->second.producer)] = true;
    for (size_t i = net.ops.size(); i-- > 0;) {
      if (!used[i]) fail("node '" + net.ops[i].name + "'", "its output does not lead to the graph output '" + out_name + "'");
      for (int in : net.inputs_of(i))
        if (in != kNetworkInput) used[size_t(in)] = true;
    }
    if (size_t(out->second.producer) + 1 != net.ops.size()) fail("graph output '" + out_name + "'", "is not the last op's output");
    net.dropped_softmax = softmax_node_ ? node_name(*softmax_node_) : "";
    // Chains keep the compact form (no explicit inputs).
    for (size_t i = 0; i < net.ops.size(); ++i)
      if (net.ops[i].inputs == std::vector<int>{int(i) - 1}) net.ops[i].inputs.clear();
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

  // ---- the graph's values ----
  struct Value {
    int producer = kNetworkInput;  // op index, or the network input
    std::vector<int64_t> shape;    // per image
  };
  // A constant computed at load time (the Shape/Gather/Unsqueeze/Concat chains that compute a
  // reshape target, Clip bounds, Cast constants).
  struct Const {
    std::vector<int64_t> dims;
    std::vector<double> v;
    bool is_int = true;
  };

  // A constant's value as an integer (a reshape target, an index, an axis), or an error: a
  // double out of int64's range would not convert.
  int64_t to_int(double x, const std::string& pos) const {
    if (!(std::fabs(x) < 9.0e15) || x != std::trunc(x)) fail(pos, "expected an integer constant, got " + std::to_string(x));
    return static_cast<int64_t>(x);
  }
  // A constant's value as a float bound (beyond float's range: that infinity).
  static float to_float(double x) {
    if (x > double(std::numeric_limits<float>::max())) return std::numeric_limits<float>::infinity();
    if (x < -double(std::numeric_limits<float>::max())) return -std::numeric_limits<float>::infinity();
    return static_cast<float>(x);
  }

  void count_readers() {
    for (const auto& node : graph_.node())
      for (const std::string& in : node.input())
        if (!in.empty()) ++readers_[in];
    for (const auto& out : graph_.output()) ++readers_[out.name()];
  }

  const Value& value(const onnx::NodeProto& node, int input_index) const {
    if (node.input_size() <= input_index || node.input(input_index).empty())
      fail(node_pos(node), "missing input " + std::to_string(input_index));
    auto it = values_.find(node.input(input_index));
    if (it == values_.end()) {
      if (is_const(node.input(input_index)))
        fail(node_pos(node), "input " + std::to_string(input_index) + " '" + node.input(input_index) +
                                 "' is a constant where slqsim needs activations");
      fail(node_pos(node), "reads tensor '" + node.input(input_index) +
                               "', which no earlier node produces (the graph is not in topological order, or has a cycle)");
    }
    return it->second;
  }
  bool is_const(const std::string& name) const { return consts_.count(name) || tensors_.count(name); }

  Const const_value(const onnx::NodeProto& node, int input_index) const {
    const std::string& name = node.input(input_index);
    auto it = consts_.find(name);
    if (it != consts_.end()) return it->second;
    const onnx::TensorProto& t = tensor(node, input_index);
    Const c;
    c.dims = dims_of(t, node_pos(node));
    if (t.data_type() == onnx::TensorProto::FLOAT) {
      c.is_int = false;
      for (float f : floats_any(t, node_pos(node))) c.v.push_back(f);
    } else {
      for (int64_t x : ints(t, node_pos(node))) c.v.push_back(double(x));
    }
    return c;
  }
  // Floats of any shape, empty included (a constant, not a weight).
  std::vector<float> floats_any(const onnx::TensorProto& t, const std::string& position) const {
    for (int64_t d : t.dims())
      if (d == 0) return {};
    return floats(t, position);
  }

  // Evaluates the node at load time when it only computes constants; returns false for data ops.
  bool fold_constant(const onnx::NodeProto& node) {
    const std::string& type = node.op_type();
    const std::string pos = node_pos(node);
    if (type == "Shape") {
      const Value& in = value(node, 0);
      Const c;
      c.v.push_back(1);  // the batch, dynamic or 1
      for (int64_t d : in.shape) c.v.push_back(double(d));
      c.dims = {int64_t(c.v.size())};
      consts_[node.output(0)] = c;
      return true;
    }
    if (type == "Identity" && node.input_size() == 1 && tensors_.count(node.input(0))) {  // a weight passed on
      tensors_[node.output(0)] = tensors_.at(node.input(0));
      return true;
    }
    static const std::set<std::string> foldable = {"Cast", "Gather", "Unsqueeze", "Squeeze", "Concat", "Identity"};
    if (!foldable.count(type)) return false;
    for (const std::string& in : node.input())
      if (!in.empty() && !is_const(in)) return false;
    Const c = const_value(node, 0);
    if (type == "Cast") {
      const int64_t to = int_attr(node, "to", onnx::TensorProto::FLOAT);
      c.is_int = to != onnx::TensorProto::FLOAT && to != onnx::TensorProto::DOUBLE && to != onnx::TensorProto::FLOAT16;
      if (c.is_int)
        for (double& x : c.v) x = std::trunc(x);
    } else if (type == "Gather") {
      if (c.dims.size() > 1 || int_attr(node, "axis", 0) != 0) fail(pos, "only a Gather from a 1-D constant is supported");
      const Const idx = const_value(node, 1);
      Const g;
      g.dims = idx.dims;
      for (double x : idx.v) {
        int64_t k = to_int(x, pos);
        if (k < 0) k += int64_t(c.v.size());
        if (k < 0 || k >= int64_t(c.v.size())) fail(pos, "index " + std::to_string(to_int(x, pos)) + " is out of range");
        g.v.push_back(c.v[size_t(k)]);
      }
      c = g;
    } else if (type == "Unsqueeze" || type == "Squeeze") {
      // Shape chains only: a scalar becomes {1} and back; the values stay.
      c.dims = type == "Unsqueeze" ? std::vector<int64_t>{int64_t(c.v.size())} : std::vector<int64_t>{};
      if (type == "Squeeze" && c.v.size() != 1) c.dims = {int64_t(c.v.size())};
    } else if (type == "Concat") {
      for (int k = 1; k < node.input_size(); ++k) {
        const Const more = const_value(node, k);
        c.v.insert(c.v.end(), more.v.begin(), more.v.end());
      }
      c.dims = {int64_t(c.v.size())};
    }
    // Shape chains are a handful of values; anything larger is not a reshape target.
    if (c.v.size() > 4096) fail(pos, "a computed constant of " + std::to_string(c.v.size()) + " values is too large");
    consts_[node.output(0)] = c;
    return true;
  }

  // Adds `op` reading `inputs` and makes it the producer of the node's first output.
  void emit(Network& net, const onnx::NodeProto& node, Op op, std::vector<int> inputs) {
    for (int64_t d : op.out_shape)  // every op's output has at least one value in every dimension
      if (d < 1) fail(node_pos(node), "empty output shape " + shape_str(op.out_shape));
    // Bounded like the input: a window op with huge pads (or a huge channel count) would
    // otherwise ask for an output nobody can allocate.
    element_count(op.out_shape, node_pos(node) + ", output");
    op.inputs = std::move(inputs);
    values_[node.output(0)] = {int(net.ops.size()), op.out_shape};
    net.ops.push_back(std::move(op));
  }
  void alias(const onnx::NodeProto& node, const Value& v) { values_[node.output(0)] = v; }
  // True when the producer of `v` is an op of `kind` whose output only this node reads.
  bool sole_reader(const Network& net, const Value& v, const std::string& tensor, OpKind kind) const {
    if (v.producer == kNetworkInput || net.ops[size_t(v.producer)].kind != kind) return false;
    auto it = readers_.find(tensor);
    return it != readers_.end() && it->second == 1;
  }

  static constexpr const char* kSupported =
      "Conv (grouped and depthwise included), Gemm, MatMul (+ Add bias), BatchNormalization, Relu, Clip, "
      "LeakyRelu, MaxPool, AveragePool, GlobalAveragePool, ReduceMean over H and W, Add, Sum, Concat along "
      "channels, Flatten, Reshape (flattening), Dropout, Identity, Softmax/LogSoftmax at the end, and the "
      "Constant/Shape/Gather/Unsqueeze/Concat/Cast chains that compute a reshape target";
  // The supported op closest to what an unsupported one does.
  static std::string alternative(const std::string& type) {
    static const std::map<std::string, std::string> near = {
        {"Sigmoid", "Relu or Clip"}, {"Tanh", "Clip"}, {"HardSigmoid", "Clip"}, {"HardSwish", "Clip (ReLU6)"},
        {"Elu", "LeakyRelu"}, {"Selu", "LeakyRelu"}, {"Gelu", "Relu"}, {"PRelu", "LeakyRelu (one slope)"},
        {"Mish", "Relu"}, {"Softplus", "Relu"}, {"ConvTranspose", "Conv"}, {"GlobalMaxPool", "GlobalAveragePool"},
        {"ReduceMax", "MaxPool"}, {"ReduceSum", "GlobalAveragePool"}, {"LpPool", "AveragePool"},
        {"InstanceNormalization", "BatchNormalization"}, {"LayerNormalization", "BatchNormalization"},
        {"GroupNormalization", "BatchNormalization"}, {"Mul", "BatchNormalization (a per-channel affine)"},
        {"Div", "BatchNormalization (a per-channel affine)"}, {"Sub", "BatchNormalization (a per-channel affine)"},
        {"Pad", "the pads of Conv or MaxPool"}, {"Transpose", "Flatten"}, {"Squeeze", "Flatten"},
        {"Unsqueeze", "Flatten"}, {"Resize", "none (slqsim does not upsample)"},
        {"Upsample", "none (slqsim does not upsample)"}, {"Split", "Conv with group > 1"},
        {"Slice", "none (slqsim does not slice activations)"}};
    auto it = near.find(type);
    return it == near.end() ? "none" : it->second;
  }

  void convert(const onnx::NodeProto& node, Network& net) {
    const std::string& type = node.op_type();
    const std::string pos = node_pos(node);
    Op op;
    op.name = node_name(node);
    op.onnx_op = type;
    if (type == "Dropout" || type == "Identity") {  // inference: nothing
      if (node.output_size() > 1 && !node.output(1).empty() && readers_[node.output(1)] > 0)
        fail(pos, "the Dropout mask is read by another node; export the model in eval mode");
      alias(node, value(node, 0));
      return;
    }
    if (type == "Softmax" || type == "LogSoftmax") {
      const Value& in = value(node, 0);
      const int64_t axis = int_attr(node, "axis", -1);
      if (in.shape.size() != 1 || (axis != -1 && axis != 1))
        fail(pos, type + " is supported only over the classes of a flat output (axis 1 or -1)");
      softmax_node_ = &node;
      softmax_output_ = node.output(0);
      alias(node, in);
      return;
    }
    if (type == "Add" || type == "Sum") {
      if (node.input_size() < 2) fail(pos, "expected at least two inputs");
      // A MatMul's bias (nn.Linear exported without Gemm).
      if (type == "Add" && node.input_size() == 2 && (is_const(node.input(0)) || is_const(node.input(1)))) {
        const int data = is_const(node.input(0)) ? 1 : 0;
        const Value& v = value(node, data);
        if (!sole_reader(net, v, node.input(data), OpKind::dense) || net.ops[size_t(v.producer)].onnx_op != "MatMul" ||
            has_bias_.count(v.producer))
          fail(pos, "an Add of a constant is supported only as the bias of a MatMul; for a per-channel shift use "
                    "BatchNormalization");
        Op& dense = net.ops[size_t(v.producer)];
        set_bias(dense, floats(tensor(node, 1 - data), pos), pos);
        has_bias_.insert(v.producer);
        alias(node, v);
        return;
      }
      std::vector<int> inputs;
      for (int k = 0; k < node.input_size(); ++k) {
        const Value& v = value(node, k);
        if (k > 0 && v.shape != value(node, 0).shape)
          fail(pos, "input " + std::to_string(k) + " has shape " + shape_str(v.shape) + ", input 0 has " +
                        shape_str(value(node, 0).shape) + "; slqsim adds tensors of one shape (no broadcasting)");
        inputs.push_back(v.producer);
      }
      op.kind = OpKind::add;
      op.in_shape = op.out_shape = value(node, 0).shape;
      emit(net, node, std::move(op), inputs);
      return;
    }
    if (type == "Concat") {
      const Value& first = value(node, 0);
      int64_t axis = int_attr(node, "axis", 1);
      if (axis < 0) axis += int64_t(first.shape.size()) + 1;
      if (axis != 1) fail(pos, "only a Concat along channels (axis 1) is supported");
      std::vector<int> inputs;
      op.out_shape = first.shape;
      op.out_shape[0] = 0;
      for (int k = 0; k < node.input_size(); ++k) {
        const Value& v = value(node, k);
        if (v.shape.size() != first.shape.size() ||
            !std::equal(v.shape.begin() + 1, v.shape.end(), first.shape.begin() + 1))
          fail(pos, "input " + std::to_string(k) + " has shape " + shape_str(v.shape) +
                        ", which does not fit input 0's " + shape_str(first.shape) + " along channels");
        op.out_shape[0] += v.shape[0];
        inputs.push_back(v.producer);
      }
      op.kind = OpKind::concat;
      op.in_shape = first.shape;
      emit(net, node, std::move(op), inputs);
      return;
    }

    const Value& in = value(node, 0);
    op.in_shape = in.shape;
    for (int k = 1; k < node.input_size(); ++k)
      if (!node.input(k).empty() && !is_const(node.input(k)))
        fail(pos, "input " + std::to_string(k) + " '" + node.input(k) +
                      (values_.count(node.input(k))
                           ? "' must be a constant (an initializer or Constant); only input 0 carries activations"
                           : "' is not an initializer, a Constant or an earlier node's output"));
    if (type == "Conv") {
      convert_conv(node, op);
    } else if (type == "Gemm" || type == "MatMul") {
      convert_dense(node, op);
    } else if (type == "BatchNormalization") {
      batch_norm(node, net, in, op);
      return;
    } else if (type == "Relu") {
      op.kind = OpKind::relu;
      op.out_shape = in.shape;
    } else if (type == "Clip") {
      op.kind = OpKind::clip;
      op.out_shape = in.shape;
      op.clip_min = float_attr(node, "min", -std::numeric_limits<float>::infinity());
      op.clip_max = float_attr(node, "max", std::numeric_limits<float>::infinity());
      auto bound = [&](int k, float& b) {
        if (node.input_size() <= k || node.input(k).empty()) return;
        const Const c = const_value(node, k);
        if (c.v.size() != 1) fail(pos, "Clip bound " + std::to_string(k) + " must be a scalar");
        b = to_float(c.v[0]);
      };
      bound(1, op.clip_min);
      bound(2, op.clip_max);
      if (!(op.clip_min <= op.clip_max) || std::isnan(op.clip_min) || std::isnan(op.clip_max))
        fail(pos, "Clip needs min <= max");
      // Relu then Clip (ReLU6 as exported): one clip from max(min, 0), one requantization.
      if (sole_reader(net, in, node.input(0), OpKind::relu)) {
        Op& relu = net.ops[size_t(in.producer)];
        relu.kind = OpKind::clip;
        relu.onnx_op = "Relu+Clip";
        relu.name = op.name;
        relu.clip_min = std::max(op.clip_min, 0.f);
        relu.clip_max = op.clip_max;
        alias(node, in);
        return;
      }
    } else if (type == "LeakyRelu") {
      op.kind = OpKind::leaky_relu;
      op.out_shape = in.shape;
      op.alpha = float_attr(node, "alpha", 0.01f);
      if (!std::isfinite(op.alpha)) fail(pos, "alpha must be finite");
    } else if (type == "MaxPool" || type == "AveragePool") {
      convert_pool(node, op);
    } else if (type == "GlobalAveragePool" || type == "ReduceMean") {
      if (in.shape.size() != 3) fail(pos, "expected a C,H,W input, got " + shape_str(in.shape));
      bool keep = true;
      if (type == "ReduceMean") {
        std::vector<int64_t> axes = ints_attr(node, "axes", {});
        if (node.input_size() > 1 && !node.input(1).empty())
          for (double a : const_value(node, 1).v) axes.push_back(to_int(a, pos));
        for (int64_t& a : axes)
          if (a < 0) a += 4;
        std::sort(axes.begin(), axes.end());
        if (axes != std::vector<int64_t>{2, 3}) fail(pos, "only a ReduceMean over H and W (axes 2, 3) is supported");
        keep = int_attr(node, "keepdims", 1) != 0;
      }
      op.kind = OpKind::global_avgpool;
      op.out_shape = keep ? std::vector<int64_t>{in.shape[0], 1, 1} : std::vector<int64_t>{in.shape[0]};
    } else if (type == "Flatten") {
      int64_t axis = int_attr(node, "axis", 1);
      if (axis < 0) axis += int64_t(in.shape.size()) + 1;  // the ONNX rank includes the batch
      if (axis != 1) fail(pos, "only Flatten with axis 1 (keep the batch) is supported");
      flatten(op);
    } else if (type == "Reshape") {
      const Const target_c = const_value(node, 1);
      std::vector<int64_t> target;
      for (double x : target_c.v) target.push_back(to_int(x, pos));
      int64_t n = element_count(in.shape, pos);
      bool batch_ok = target.size() == 2 && (target[0] == 0 || target[0] == 1 || target[0] == -1);
      bool rest_ok = target.size() == 2 && (target[1] == n || (target[1] == -1 && target[0] != -1));
      if (!batch_ok || !rest_ok)
        fail(pos, "only a flattening Reshape to {batch, -1} is supported, got shape " + shape_str(target));
      flatten(op);
    } else {
      fail(pos, "unsupported op '" + type + "'; nearest supported alternative: " + alternative(type) +
                    " (supported: " + kSupported + ")");
    }
    emit(net, node, std::move(op), {in.producer});
  }

  // Folded into the Conv or Gemm it follows when only it reads that output; otherwise a
  // per-channel affine in the digital unit.
  void batch_norm(const onnx::NodeProto& node, Network& net, const Value& in, Op& op) {
    const std::string pos = node_pos(node);
    if (int_attr(node, "training_mode", 0) != 0 || (node.output_size() > 1 && !node.output(1).empty()))
      fail(pos, "a training-mode BatchNormalization; export the model in eval mode");
    if (node.input_size() != 5) fail(pos, "expected 5 inputs (X, scale, B, mean, var)");
    const int64_t channels = in.shape[0];
    std::vector<std::vector<float>> p;
    for (int k = 1; k < 5; ++k) {
      p.push_back(floats(tensor(node, k), pos));
      if (int64_t(p.back().size()) != channels)
        fail(pos, "parameter " + std::to_string(k) + " has " + std::to_string(p.back().size()) + " values for " +
                      std::to_string(channels) + " channels");
    }
    const double eps = float_attr(node, "epsilon", 1e-5f);
    std::vector<double> scale(static_cast<size_t>(channels)), shift(static_cast<size_t>(channels));
    for (size_t c = 0; c < size_t(channels); ++c) {
      if (!(double(p[3][c]) + eps > 0)) fail(pos, "variance + epsilon of channel " + std::to_string(c) + " is not positive");
      scale[c] = double(p[0][c]) / std::sqrt(double(p[3][c]) + eps);
      shift[c] = double(p[1][c]) - double(p[2][c]) * scale[c];
    }
    // Every folded or affine value must be a finite float (a tiny variance could make it too large).
    auto as_float = [&](double x) {
      if (!(std::fabs(x) <= double(std::numeric_limits<float>::max())))
        fail(pos, "its scale and shift make a value beyond float's range (" + std::to_string(x) + ")");
      return static_cast<float>(x);
    };
    if (sole_reader(net, in, node.input(0), OpKind::conv) || sole_reader(net, in, node.input(0), OpKind::dense)) {
      Op& prev = net.ops[size_t(in.producer)];
      const size_t per_row = prev.weight.size() / size_t(channels);
      for (size_t c = 0; c < size_t(channels); ++c) {
        for (size_t k = 0; k < per_row; ++k) prev.weight[c * per_row + k] = as_float(double(prev.weight[c * per_row + k]) * scale[c]);
        prev.bias[c] = as_float(double(prev.bias[c]) * scale[c] + shift[c]);
      }
      prev.folded = node_name(node);
      alias(node, in);
      return;
    }
    op.kind = OpKind::affine;
    op.out_shape = in.shape;
    for (size_t c = 0; c < size_t(channels); ++c) {
      op.scale.push_back(as_float(scale[c]));
      op.shift.push_back(as_float(shift[c]));
    }
    emit(net, node, std::move(op), {in.producer});
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
    const int64_t group = int_attr(node, "group", 1);
    if (group < 1 || group > kMaxDim) fail(pos, "group must be at least 1");
    const onnx::TensorProto& w = tensor(node, 1);
    op.weight_shape = dims_of(w, pos);
    if (op.weight_shape.size() != 4) fail(pos, "expected a 4-D weight, got " + shape_str(op.weight_shape));
    for (int64_t d : op.weight_shape)
      if (d < 1) fail(pos, "weight shape " + shape_str(op.weight_shape) + " has an empty dimension");
    op.weight = floats(w, pos);
    window_geometry(node, op, {op.weight_shape[2], op.weight_shape[3]});
    if (op.kernel_h != op.weight_shape[2] || op.kernel_w != op.weight_shape[3])
      fail(pos, "kernel_shape does not match the weight shape " + shape_str(op.weight_shape));
    if (op.in_shape[0] % group != 0 || op.weight_shape[0] % group != 0)
      fail(pos, "group " + std::to_string(group) + " does not divide the " + std::to_string(op.in_shape[0]) +
                    " input and " + std::to_string(op.weight_shape[0]) + " output channels");
    if (op.weight_shape[1] * group != op.in_shape[0])
      fail(pos, "weight expects " + std::to_string(op.weight_shape[1] * group) + " input channels, input has " +
                    std::to_string(op.in_shape[0]));
    op.group = int(group);
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
  std::map<std::string, Const> consts_;
  std::map<std::string, Value> values_;
  std::map<std::string, int> readers_;
  std::set<int> has_bias_;  // MatMuls whose bias Add was fused
  const onnx::NodeProto* softmax_node_ = nullptr;
  std::string softmax_output_;
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
