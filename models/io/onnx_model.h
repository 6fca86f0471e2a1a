// Loads a feed-forward ONNX model (as exported by PyTorch) into a slq::Network.
// Supported: Conv, Gemm, MatMul (+ Add bias, fused), Relu, MaxPool, AveragePool, Flatten and
// flattening Reshape, connected as a single chain from the graph input to the graph output.
#pragma once
#include <string>

#include "models/nn/network.h"

namespace slq {

// Throws InputError(path, "node '<name>'" or "", reason) for anything it cannot simulate:
// a missing or unparsable file, an unsupported op or attribute, a missing initializer,
// a shape mismatch or a graph that is not a chain.
Network load_onnx(const std::string& path);

}  // namespace slq
