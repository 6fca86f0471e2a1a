// The cost model (docs/cost.md): what each encoding costs in energy and area, from the actions the
// simulation counts (the blocks' activity, identical in every view) and an energy and area
// reference table (data/energy_45nm.yaml by default), the way Accelergy estimates an architecture
// from components, actions and a reference table.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "models/pipeline/pass_stats.h"

namespace slq {

// The actions of the accelerator's blocks, by name.
struct ActionCounts {
  std::map<std::string, uint64_t> count;  // "memory.read", "decoder.field", ...
  uint64_t operator[](const std::string& action) const;
};
// The actions of passes whose statistics add up to `s`, on an array of `lanes` lanes: every lane's
// stream generator and counter run in every busy cycle (there is no clock gating per lane).
ActionCounts action_counts(const PassStats& s, int lanes);
// The action names, in report order, and the component each belongs to.
const std::vector<std::pair<std::string, std::string>>& action_components();
// The components of the SC accelerator, in report order.
const std::vector<std::string>& components();

struct EnergyTable {
  struct Action {
    double pj = 0;                                  // energy of one action
    std::vector<std::pair<double, double>> by_size;  // memory.read: (memory bytes, pJ per `per_bits` bits)
    double per_bits = 0;                            // the width by_size is given for
    bool per_lane = false;                          // the energy is per lane: times P
    bool per_bit = false;                           // per stream bit: times B (bits per cycle)
    std::string source;
  };
  struct Area {
    double um2 = 0;           // the component's area (per lane when per_lane)
    double um2_per_bit = 0;   // memory: per bit stored
    double um2_per_entry = 0; // fifo: per entry
    // the area per weight format (tag, special, lq, linear) for a component whose area depends on
    // it, as the decoder's does (measured: docs/rtl_synth.csv); a format not listed takes um2.
    std::map<std::string, double> um2_by_format;
    bool per_lane = false;
    std::string source;
  };
  std::string path, digest;  // where it was read from, and a digest of its bytes
  std::map<std::string, Action> actions;
  std::map<std::string, Area> areas;
  // Energy of one action; memory.read depends on the memory's size and word width.
  double energy_pj(const std::string& action, int lanes, double memory_bytes, int word_bits, int bits_per_cycle) const;
  // Throws InputError(path, key, reason) for a missing action or component.
  void validate() const;
};

// The weight memory's read energy per W-bit word for a memory of `bytes` bytes: the reference
// points interpolated log-log (clamped outside them), scaled by W / per_bits.
double sram_read_pj(const EnergyTable::Action& a, double bytes, int word_bits);

struct CostParams {
  int lanes = 16;            // P
  int word_bits = 32;        // W
  int fifo_depth = 2;
  int acc_bits = 24;         // A (the counter's area scales with it, from the table's 24-bit entry)
  int bits_per_cycle = 1;    // B (per-bit actions scale with it)
  double memory_bytes = 0;   // the weight memory: the network's image in this encoding
  std::string format;        // the encoding's weight format (the decoder's area depends on it)
};

// `p` with its weight memory sized to hold `memory_words` W-bit words (an encoding's network image).
CostParams with_memory_words(CostParams p, uint64_t memory_words);

struct Energy {
  std::map<std::string, double> by_component;  // pJ, every component of components()
  double total() const;
};
Energy energy_of(const ActionCounts& a, const EnergyTable& t, const CostParams& p);
// Area by block (µm²) of the SC accelerator.
std::map<std::string, double> area_of(const EnergyTable& t, const CostParams& p);

// The binary baseline: the same passes on a conventional 8-bit fixed-point MAC array (one
// multiplier and adder per lane, the same P and memory organisation, linear 8-bit weights): a
// pass of rows x cols weights takes rows x cols cycles plus the fill and the hand-off, reading
// 8 bits per weight.
struct BinaryPasses {
  uint64_t passes = 0;
  uint64_t rows = 0, cols = 0;  // of the layer
};
struct BinaryCost {
  CostParams params;     // with the memory of 8-bit weights
  uint64_t cycles = 0;
  ActionCounts actions;  // memory.read, mac8.mac, output.row, clock.cycle
  Energy energy;
};
// `p`'s memory is resized to hold the layers' weights at 8 bits.
BinaryCost binary_cost(const std::vector<BinaryPasses>& layers, const EnergyTable& t, CostParams p);
std::map<std::string, double> binary_area_of(const EnergyTable& t, const CostParams& p);
const std::vector<std::string>& binary_components();

}  // namespace slq
