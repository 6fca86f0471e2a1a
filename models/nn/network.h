// A feed-forward network as the simulator sees it: a chain of operators on one image
// (batch dimension removed, tensors in C,H,W order as in ONNX).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace slq {

enum class OpKind { conv, dense, relu, maxpool, avgpool, flatten };
const char* to_string(OpKind kind);

struct Op {
  OpKind kind = OpKind::relu;
  std::string name;        // ONNX node name as exported, e.g. "/0/Conv"
  std::string onnx_op;     // ONNX op type, e.g. "Conv", "Gemm", "MatMul"
  // conv: weight shape {O, C, KH, KW}; dense: {O, I} (out x in, i.e. already transposed for Gemm transB=0)
  std::vector<int64_t> weight_shape;
  std::vector<float> weight;  // row-major in weight_shape
  std::vector<float> bias;    // O values (zeros when the model has none)
  // conv and pooling geometry
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool count_include_pad = false;  // AveragePool
  std::vector<int64_t> in_shape;   // per image, C,H,W (or {I} after flatten)
  std::vector<int64_t> out_shape;  // per image
};

struct Network {
  std::string path;
  std::vector<int64_t> input_shape;  // per image, e.g. {1, 28, 28}
  std::vector<Op> ops;               // in execution order
};

// A name usable in file names: "/0/Conv" -> "0_Conv".
std::string sanitize_name(const std::string& name);

}  // namespace slq
