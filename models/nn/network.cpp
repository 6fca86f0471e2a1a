#include "models/nn/network.h"

namespace slq {

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::conv: return "conv";
    case OpKind::dense: return "dense";
    case OpKind::relu: return "relu";
    case OpKind::maxpool: return "maxpool";
    case OpKind::avgpool: return "avgpool";
    case OpKind::flatten: return "flatten";
  }
  return "unknown";
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
