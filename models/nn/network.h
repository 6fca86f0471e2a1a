// A feed-forward network as the simulator sees it: a graph of operators on one image (batch
// dimension removed, tensors in C,H,W order as in ONNX), stored in execution order. Each op reads
// the outputs of earlier ops (or the network input); a chain is the special case where every op
// reads the one before it. docs/networks.md says how each kind runs on the accelerator.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace slq {

enum class OpKind {
  conv,        // on the array (grouped and depthwise included)
  dense,       // on the array
  relu,        // digital: stores its output as N-bit activations
  clip,        // digital: min(max(x, clip_min), clip_max); N-bit when clip_min >= 0 (ReLU6)
  leaky_relu,  // digital: x < 0 ? alpha x : x
  affine,      // digital: per-channel scale and shift (a BatchNormalization with no conv to fold into)
  maxpool,
  avgpool,
  global_avgpool,  // GlobalAveragePool, or ReduceMean over H and W
  add,             // digital: the sum of two or more tensors of one shape (residual connections)
  concat,          // digital: along channels
  flatten          // a view: C,H,W order is the flattened order
};
const char* to_string(OpKind kind);

// The network input, as an op's input index.
constexpr int kNetworkInput = -1;

struct Op {
  OpKind kind = OpKind::relu;
  std::string name;        // ONNX node name as exported, e.g. "/0/Conv"
  std::string onnx_op;     // ONNX op type, e.g. "Conv", "Gemm", "MatMul"
  // The ops whose outputs this op reads, in input order (kNetworkInput for the network input).
  // Empty means the previous op (or the network input for the first op): a chain.
  std::vector<int> inputs;
  // conv: weight shape {O, C / group, KH, KW}; dense: {O, I} (out x in, i.e. already transposed for Gemm transB=0)
  std::vector<int64_t> weight_shape;
  std::vector<float> weight;  // row-major in weight_shape
  std::vector<float> bias;    // O values (zeros when the model has none)
  int group = 1;              // conv: output channel o reads input channels of group o / (O / group)
  std::string folded;         // conv/dense: the BatchNormalization node folded into it, if any
  // conv and pooling geometry
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool count_include_pad = false;  // AveragePool
  // clip bounds, leaky_relu slope, affine per-channel scale and shift
  float clip_min = 0, clip_max = 0;
  float alpha = 0.01f;
  std::vector<float> scale, shift;
  std::vector<int64_t> in_shape;   // per image, C,H,W (or {I} after flatten); the first input's
  std::vector<int64_t> out_shape;  // per image
};

struct Network {
  std::string path;
  std::vector<int64_t> input_shape;  // per image, e.g. {1, 28, 28}
  std::vector<Op> ops;               // in execution order; the last op's output is the network's
  // Softmax or LogSoftmax ended the exported graph: dropped, the argmax is the same.
  std::string dropped_softmax;
  // The producers op `i` reads (kNetworkInput for the input): op.inputs, or the previous op.
  std::vector<int> inputs_of(size_t i) const;
  // How many ops read op `i`'s output (the last op counts one more reader: the network output).
  int readers_of(size_t i) const;
};

// True for the ops that run on the array (conv, dense).
inline bool is_compute(OpKind kind) { return kind == OpKind::conv || kind == OpKind::dense; }

// A name usable in file names: "/0/Conv" -> "0_Conv".
std::string sanitize_name(const std::string& name);

}  // namespace slq
