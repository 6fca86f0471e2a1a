// Typed errors caught at the command-line edge.
//   InputError    -> exit code 2: bad input (file, position, reason).
//   anything else -> exit code 1: internal error.
#pragma once
#include <stdexcept>
#include <string>

namespace slq {

class InputError : public std::runtime_error {
 public:
  // where: a file name (or "--flag", "config"), position: "line 3", "field 17, bit 85", "" if none.
  InputError(std::string where, std::string position, std::string reason)
      : std::runtime_error(format(where, position, reason)),
        where_(std::move(where)), position_(std::move(position)), reason_(std::move(reason)) {}
  const std::string& where() const { return where_; }
  const std::string& position() const { return position_; }
  const std::string& reason() const { return reason_; }

 private:
  static std::string format(const std::string& w, const std::string& p, const std::string& r) {
    std::string s = w;
    if (!p.empty()) s += (s.empty() ? "" : ": ") + p;
    return s + (s.empty() ? "" : ": ") + r;
  }
  std::string where_, position_, reason_;
};

}  // namespace slq
