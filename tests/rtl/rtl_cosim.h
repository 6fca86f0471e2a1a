// Shared by the RTL co-simulation test benches (docs/rtl.md): the one form of their mismatch
// message, "[pass P, ]cycle C: SIGNAL: RTL x, SystemC y".
#pragma once
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

namespace slq::rtl_cosim {

// When the RTL's and the SystemC block's values of `signal` differ at `cycle`, writes the message
// to `mismatch` and returns true. `pass` < 0 leaves the pass out. Integers print as numbers (+x),
// whatever their width.
template <class R, class S>
bool differ(std::string& mismatch, int64_t pass, uint64_t cycle, std::string_view signal, const R& rtl, const S& sysc) {
  if (rtl == sysc) return false;
  std::ostringstream os;
  if (pass >= 0) os << "pass " << pass << ", ";
  os << "cycle " << cycle << ": " << signal << ": RTL " << +rtl << ", SystemC " << +sysc;
  mismatch = os.str();
  return true;
}

}  // namespace slq::rtl_cosim
