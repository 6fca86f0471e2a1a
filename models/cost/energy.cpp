#include "models/cost/energy.h"

#include <algorithm>
#include <cmath>

#include "models/errors.h"

namespace slq {

uint64_t ActionCounts::operator[](const std::string& action) const {
  const auto it = count.find(action);
  return it == count.end() ? 0 : it->second;
}

const std::vector<std::pair<std::string, std::string>>& action_components() {
  static const std::vector<std::pair<std::string, std::string>> a = {
      {"memory.read", "memory"},         {"decoder.field", "decoder"}, {"fifo.push", "fifo"},
      {"fifo.pop", "fifo"},              {"controller.term", "controller"}, {"sng.lane_cycle", "sng"},
      {"counter.lane_cycle", "counter"}, {"output.row", "output"},   {"clock.cycle", "clock"}};
  return a;
}

const std::vector<std::string>& components() {
  static const std::vector<std::string> c = {"memory", "decoder", "fifo", "controller", "sng", "counter", "output", "clock"};
  return c;
}

const std::vector<std::string>& binary_components() {
  static const std::vector<std::string> c = {"memory", "mac", "output", "clock"};
  return c;
}

ActionCounts action_counts(const PassStats& s, int lanes) {
  ActionCounts a;
  const uint64_t P = static_cast<uint64_t>(lanes);
  a.count["memory.read"] = s.memory_reads;
  a.count["decoder.field"] = s.fields;
  a.count["fifo.push"] = s.terms;  // every term the decoder pushes the controller pops
  a.count["fifo.pop"] = s.terms;
  a.count["controller.term"] = s.terms;
  a.count["sng.lane_cycle"] = s.busy_cycles * P;
  a.count["counter.lane_cycle"] = s.busy_cycles * P;
  a.count["output.row"] = s.row_handoffs;
  a.count["clock.cycle"] = s.cycles;
  return a;
}

double sram_read_pj(const EnergyTable::Action& a, double bytes, int word_bits) {
  if (a.by_size.empty()) return a.pj;
  const auto& v = a.by_size;
  double pj = v.front().second;
  if (bytes >= v.back().first) {
    pj = v.back().second;
  } else if (bytes > v.front().first) {
    for (size_t i = 1; i < v.size(); ++i) {
      if (bytes > v[i].first) continue;
      const double t = std::log(bytes / v[i - 1].first) / std::log(v[i].first / v[i - 1].first);
      pj = std::exp(std::log(v[i - 1].second) + t * (std::log(v[i].second) - std::log(v[i - 1].second)));
      break;
    }
  }
  return pj * double(word_bits) / a.per_bits;
}

double EnergyTable::energy_pj(const std::string& action, int lanes, double memory_bytes, int word_bits,
                              int bits_per_cycle) const {
  const auto it = actions.find(action);
  if (it == actions.end()) throw InputError(path, action, "no energy for this action in the table");
  const Action& a = it->second;
  const double pj = action == "memory.read" ? sram_read_pj(a, memory_bytes, word_bits) : a.pj;
  return pj * (a.per_lane ? lanes : 1) * (a.per_bit ? bits_per_cycle : 1);
}

void EnergyTable::validate() const {
  for (const auto& [action, component] : action_components())
    if (!actions.count(action)) throw InputError(path, action, "the table has no energy for this action");
  if (!actions.count("mac8.mac")) throw InputError(path, "mac8.mac", "the table has no energy for the binary MAC");
  for (const std::string& c : components())
    if (c != "clock" && !areas.count(c)) throw InputError(path, c, "the table has no area for this component");
  if (!areas.count("mac8")) throw InputError(path, "mac8", "the table has no area for the binary MAC");
}

double Energy::total() const {
  double t = 0;
  for (const auto& [c, pj] : by_component) t += pj;
  return t;
}

Energy energy_of(const ActionCounts& a, const EnergyTable& t, const CostParams& p) {
  Energy e;
  for (const std::string& c : components()) e.by_component[c] = 0;
  for (const auto& [action, component] : action_components())
    e.by_component[component] += double(a[action]) * t.energy_pj(action, p.lanes, p.memory_bytes, p.word_bits, p.bits_per_cycle);
  return e;
}

namespace {
// A component's area: its entry for the encoding's format when the table has one
// (area_um2_by_format), otherwise area_um2; times the lanes for a per-lane component.
double area(const EnergyTable& t, const std::string& c, const CostParams& p) {
  const EnergyTable::Area& a = t.areas.at(c);
  const auto by_format = a.um2_by_format.find(p.format);
  const double um2 = by_format != a.um2_by_format.end() ? by_format->second : a.um2;
  return a.per_lane ? um2 * p.lanes : um2;
}
}  // namespace

std::map<std::string, double> area_of(const EnergyTable& t, const CostParams& p) {
  std::map<std::string, double> a;
  a["memory"] = t.areas.at("memory").um2_per_bit * p.memory_bytes * 8;
  a["decoder"] = area(t, "decoder", p);
  a["fifo"] = t.areas.at("fifo").um2_per_entry * p.fifo_depth + t.areas.at("fifo").um2;
  a["controller"] = area(t, "controller", p);
  a["sng"] = area(t, "sng", p);
  a["counter"] = area(t, "counter", p) * p.acc_bits / 24.0;
  a["output"] = area(t, "output", p);
  return a;
}

std::map<std::string, double> binary_area_of(const EnergyTable& t, const CostParams& p) {
  std::map<std::string, double> a;
  a["memory"] = t.areas.at("memory").um2_per_bit * p.memory_bytes * 8;
  a["mac"] = area(t, "mac8", p);
  a["output"] = area(t, "output", p);
  return a;
}

CostParams with_memory_words(CostParams p, uint64_t memory_words) {
  p.memory_bytes = double(memory_words) * p.word_bits / 8.0;
  return p;
}

BinaryCost binary_cost(const std::vector<BinaryPasses>& layers, const EnergyTable& t, CostParams p) {
  BinaryCost b;
  const uint64_t W = static_cast<uint64_t>(p.word_bits);
  uint64_t weights = 0;
  for (const BinaryPasses& l : layers) weights += l.rows * l.cols;
  p = with_memory_words(p, (weights * 8 + W - 1) / W);
  b.params = p;
  uint64_t reads = 0, macs = 0, rows = 0;
  for (const BinaryPasses& l : layers) {
    const uint64_t weights = l.rows * l.cols;
    const uint64_t words = (weights * 8 + static_cast<uint64_t>(p.word_bits) - 1) / static_cast<uint64_t>(p.word_bits);
    b.cycles += l.passes * (weights + 3);  // a weight a cycle, 2 fill cycles, the last hand-off
    reads += l.passes * words;
    macs += l.passes * weights * static_cast<uint64_t>(p.lanes);
    rows += l.passes * l.rows;
  }
  b.actions.count = {{"memory.read", reads}, {"mac8.mac", macs}, {"output.row", rows}, {"clock.cycle", b.cycles}};
  for (const std::string& c : binary_components()) b.energy.by_component[c] = 0;
  b.energy.by_component["memory"] = double(reads) * t.energy_pj("memory.read", p.lanes, p.memory_bytes, p.word_bits, 1);
  b.energy.by_component["mac"] = double(macs) * t.energy_pj("mac8.mac", p.lanes, p.memory_bytes, p.word_bits, 1);
  b.energy.by_component["output"] = double(rows) * t.energy_pj("output.row", p.lanes, p.memory_bytes, p.word_bits, 1);
  b.energy.by_component["clock"] = double(b.cycles) * t.energy_pj("clock.cycle", p.lanes, p.memory_bytes, p.word_bits, 1);
  return b;
}

}  // namespace slq
