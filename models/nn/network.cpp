#include "models/nn/network.h"

namespace slq {

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::conv: return "conv";
    case OpKind::dense: return "dense";
    case OpKind::relu: return "relu";
    case OpKind::clip: return "clip";
    case OpKind::leaky_relu: return "leaky_relu";
    case OpKind::affine: return "affine";
    case OpKind::maxpool: return "maxpool";
    case OpKind::avgpool: return "avgpool";
    case OpKind::global_avgpool: return "global_avgpool";
    case OpKind::add: return "add";
    case OpKind::concat: return "concat";
    case OpKind::flatten: return "flatten";
  }
  return "unknown";
}

std::vector<int> Network::inputs_of(size_t i) const {
  if (!ops[i].inputs.empty()) return ops[i].inputs;
  return {static_cast<int>(i) - 1};  // the previous op; -1 is kNetworkInput for the first
}

int Network::readers_of(size_t i) const {
  int n = i + 1 == ops.size() ? 1 : 0;
  for (size_t j = i + 1; j < ops.size(); ++j)
    for (int in : inputs_of(j)) n += in == static_cast<int>(i);
  return n;
}

std::string sanitize_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-';
    out += keep ? c : '_';
  }
  size_t first = out.find_first_not_of('_');
  if (first == std::string::npos) return "layer";
  size_t last = out.find_last_not_of('_');
  return out.substr(first, last - first + 1);
}

}  // namespace slq
