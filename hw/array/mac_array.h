// MAC array (SPEC 5): P lanes, each a stream generator (LD counter-and-MUX or LFSR) and a signed
// A-bit saturating up/down counter. One object, lanes as plain arrays: the controller's process
// drives it, so the array costs no process of its own (STYLE: one process per array).
#pragma once
#include <vector>

#include <systemc>

#include "hw/pass_context.h"
#include "models/sc_layer.h"

namespace slq::hw {

class MacArray : public sc_core::sc_module {
 public:
  MacArray(sc_core::sc_module_name name, PassContext& ctx);
  void begin_pass(int rows);
  // Per-cycle view: start a term, then one call per array cycle (B stream bits per lane).
  void begin_term(const Term& term);
  void step_cycle();
  void end_term();
  // Fast view: the whole term at once, from the closed-form counts (same result, same flags).
  void apply_term(const Term& term);
  // The accumulators of the current output row, then cleared for the next.
  const std::vector<int64_t>& accumulators() const { return acc_; }
  void clear();
  uint64_t saturations() const { return saturations_; }
  void trace(sc_core::sc_trace_file* tf) const;
  void update_trace();

 private:
  void gather_activations(uint32_t column);
  PassContext& ctx_;
  const ArrayParams& array_;
  SngBank sng_;
  std::vector<int64_t> acc_;
  std::vector<uint32_t> act_;       // this term's activation per lane
  std::vector<uint32_t> lfsr_state_;
  std::vector<int64_t> ones_;       // ones counted this cycle per lane
  std::vector<uint8_t> clipped_;    // lane clipped during this term
  Term term_;
  uint64_t bit_ = 0;                // stream bits of this term already counted
  uint64_t saturations_ = 0;
  std::vector<std::unique_ptr<sc_core::sc_signal<int64_t>>> t_acc_;  // traced lanes
};

}  // namespace slq::hw
