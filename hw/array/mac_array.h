// MAC array (docs/arithmetic.md): P lanes, each a stream generator (LD counter-and-MUX or LFSR) and a signed
// A-bit saturating up/down counter. One object, lanes as plain arrays: the controller's process
// drives it, so the array costs no process of its own (one process for the whole array, not one per lane).
//
// Per-cycle view, and why it is cheap (docs/performance.md): the LD generator's counter and MUX
// select are shared by all lanes, so a cycle only records which activation bit the select picked
// (B selects per cycle, O(B) work whatever P is); a lane's ones so far are the sum of the
// selected bits of its activation, worked out when the lane is observed. The LFSR generator is
// per lane and steps every lane every cycle. Within a term every cycle moves a counter the same
// way (the term's sign), so clipping cycle by cycle ends where clipping the term's total does:
// the counters saturate once, when the term ends or is observed, with the same values and flags.
#pragma once
#include <memory>
#include <vector>

#include <systemc>

#include "hw/pass_context.h"
#include "models/sc/sc_layer.h"

namespace slq::hw {

class MacArray : public sc_core::sc_module {
 public:
  MacArray(sc_core::sc_module_name name, PassContext& ctx);
  void begin_pass(int rows);
  // Start a term, then one call per array cycle (B stream bits per lane), then end it.
  void begin_term(const Term& term);
  void step_cycle();
  void end_term();
  // The accumulators of the current output row as of the last cycle (also in the middle of a
  // term), then cleared for the next row.
  const std::vector<int64_t>& accumulators() const;
  void clear();
  uint64_t saturations() const { return saturations_; }
  void trace(sc_core::sc_trace_file* tf) const;
  void update_trace();

 private:
  void gather_activations(uint32_t column);
  // Ones lane `lane` has counted in the current term so far (per-cycle view).
  uint32_t lane_ones(int lane) const;
  // ones_ := every lane's ones in the current term (per-cycle view).
  void count_term_ones();
  // Adds sign * ones_ (each at most max_ones) to every counter, saturating, and counts the lanes
  // that clipped.
  void add_ones(int sign, uint32_t max_ones);
  // Lane's counter as of the last cycle: the term's start value plus its ones so far, clipped.
  int64_t lane_value(int lane, bool* clipped) const;

  PassContext& ctx_;
  const ArrayParams& array_;
  SngBank sng_;
  std::vector<int64_t> acc_;        // counters at the start of the current term (or after it)
  std::vector<uint32_t> acts_by_col_;  // the pass's activations, acts_by_col_[col * P + lane]
  std::vector<uint32_t> act_;       // this term's activation per lane
  int64_t acc_bound_ = 0;           // upper bound of every |acc_[lane]| (models::accumulate_lanes)
  std::vector<uint32_t> lfsr_state_;
  std::vector<uint32_t> lfsr_ones_; // LFSR: ones counted this term per lane
  std::vector<uint32_t> selects_;   // LD: cycles' MUX selects of activation bit N-1-z, by z
  std::vector<uint32_t> ones_;      // per lane: ones of the term being added
  Term term_;
  bool term_open_ = false;          // a per-cycle term has started and not ended
  uint64_t bit_ = 0;                // stream bits of this term already counted
  uint64_t saturations_ = 0;
  mutable std::vector<int64_t> view_;      // accumulators() in the middle of a term
  mutable uint64_t view_bit_ = UINT64_MAX; // bit_ when view_ was made (UINT64_MAX: stale)
  std::vector<int64_t> t_acc_;  // traced lanes' accumulators (trace view)
};

}  // namespace slq::hw
