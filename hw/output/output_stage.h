// Output stage (docs/cycles.md): double-buffered, so a hand-off never stalls the array. It collects
// each output row's accumulators as the controller hands them over.
#pragma once
#include <vector>

#include <systemc>

#include "hw/pass_context.h"

namespace slq::hw {

class OutputStage : public sc_core::sc_module {
 public:
  OutputStage(sc_core::sc_module_name name, PassContext& ctx) : sc_module(name), ctx_(ctx) {}
  void begin_pass(int rows) {
    rows_ = rows;
    result_.assign(static_cast<size_t>(rows) * ctx_.config->array.lanes, 0);
  }
  void hand_off(int row, const std::vector<int64_t>& acc) {
    std::copy(acc.begin(), acc.end(), result_.begin() + static_cast<size_t>(row) * acc.size());
    ++handoffs_;
    if (ctx_.tracing_now()) t_row_ = row;
  }
  // acc[row * lanes + lane]; rows that received no term stay 0.
  const std::vector<int64_t>& result() const { return result_; }
  void trace(sc_core::sc_trace_file* tf) const { sc_core::sc_trace(tf, t_row_, std::string(name()) + ".handoff_row"); }

 private:
  PassContext& ctx_;
  int rows_ = 0;
  uint64_t handoffs_ = 0;
  std::vector<int64_t> result_;
  int t_row_ = -1;
};

}  // namespace slq::hw
