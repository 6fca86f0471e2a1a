// Reads an energy and area reference table (YAML, docs/cost.md): `actions` (energy_pj or
// energy_pj_by_size with per_bits; per_lane, per_bit; source) and `components` (area_um2,
// area_um2_per_bit, area_um2_per_entry; per_lane; source). Every error names the file, the
// position and the reason (exit 2).
#pragma once
#include <string>

#include "models/cost/energy.h"

namespace slq::tb {

// The table shipped with slqsim (data/energy_45nm.yaml in the source tree).
std::string default_energy_table();
EnergyTable read_energy_table(const std::string& path);

}  // namespace slq::tb
