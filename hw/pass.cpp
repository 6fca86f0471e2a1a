#include "hw/pass.h"

namespace slq::hw {

std::ostream& operator<<(std::ostream& os, const TermToken& t) {
  return os << "{w" << t.term.weight << (t.term.sign < 0 ? " -" : " +") << "e" << int(t.term.exponent) << " n"
            << t.term.nbits << (t.term.first ? " first" : "") << "}";
}

}  // namespace slq::hw
