// Loads an ONNX model as torch.onnx.export writes it (opsets 11-17, eval mode or with
// BatchNormalization nodes kept) into a slq::Network: a graph of ops in execution order, each
// reading earlier ops' outputs. The ops and what each becomes: docs/networks.md, "Which networks".
#pragma once
#include <string>

#include "models/nn/network.h"

namespace slq {

// Throws InputError(path, "node '<name>'" or "", reason) for anything it cannot simulate:
// a missing or unparsable file, an unsupported op (naming the nearest supported one) or
// attribute, a missing initializer, shapes that do not fit, two data inputs or two outputs, an
// op that does not lead to the output.
Network load_onnx(const std::string& path);

}  // namespace slq
