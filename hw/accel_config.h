// Configuration of one SystemC accelerator instance: one plain struct, validated once. The
// SystemC blocks simulate cycle by cycle; the whole-pass view is models::FastExecutor.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "models/codec/format.h"
#include "models/sc/sc_layer.h"

namespace slq::hw {

struct TraceOptions {
  bool enabled = false;
  std::vector<int> lanes{0};      // lanes whose accumulators are traced
  uint64_t window_from = 0;       // global cycles [from, to] that are traced
  uint64_t window_to = UINT64_MAX;
};

struct AccelConfig {
  ArrayParams array;              // P lanes, B bits/cycle, A-bit counters, N, SNG
  int fields_per_cycle = 1;       // decoder throughput (fields per cycle)
  int fifo_depth = 2;             // term FIFO entries
  uint64_t period_ps = 1000;      // clock period in ps (1 GHz)
  TraceOptions trace;
  void validate(const std::string& where = "config") const;
  bool operator==(const AccelConfig& o) const;
};
std::ostream& operator<<(std::ostream& os, const AccelConfig& c);

}  // namespace slq::hw
