// One aligned line of an encoder-side STATS block: label, value, note.
#pragma once
#include <cstdint>
#include <iomanip>
#include <ostream>

namespace slq {

inline void print_stats_row(std::ostream& os, const char* label, uint64_t value, const char* note) {
  os << "    " << std::left << std::setw(16) << label << std::right << std::setw(12) << value << "  " << note << "\n";
}

}  // namespace slq
