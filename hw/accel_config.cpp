#include "hw/accel_config.h"

#include "models/errors.h"

namespace slq::hw {

void AccelConfig::validate(const std::string& where) const {
  array.validate(where);
  auto bad = [&](const std::string& what) { throw InputError(where, "", what); };
  if (fields_per_cycle < 1 || fields_per_cycle > 64)
    bad("fields_per_cycle = " + std::to_string(fields_per_cycle) + " out of range 1..64");
  if (fifo_depth < 1 || fifo_depth > 1024) bad("fifo_depth = " + std::to_string(fifo_depth) + " out of range 1..1024");
  if (period_ps < 1) bad("clock period must be positive");
  for (int lane : trace.lanes)
    if (lane < 0 || lane >= array.lanes) bad("traced lane " + std::to_string(lane) + " is not a lane of the array");
  if (trace.window_from > trace.window_to) bad("trace window FROM must not exceed TO");
}

bool AccelConfig::operator==(const AccelConfig& o) const {
  return array.lanes == o.array.lanes && array.bits_per_cycle == o.array.bits_per_cycle &&
         array.acc_bits == o.array.acc_bits && array.stream_bits == o.array.stream_bits && array.sng == o.array.sng &&
         array.seed == o.array.seed && fields_per_cycle == o.fields_per_cycle && fifo_depth == o.fifo_depth &&
         period_ps == o.period_ps;
}

std::ostream& operator<<(std::ostream& os, const AccelConfig& c) {
  return os << "lanes=" << c.array.lanes << " bits_per_cycle=" << c.array.bits_per_cycle
            << " acc_bits=" << c.array.acc_bits << " stream_bits=" << c.array.stream_bits
            << " sng=" << to_string(c.array.sng) << " fields_per_cycle=" << c.fields_per_cycle
            << " fifo_depth=" << c.fifo_depth;
}

}  // namespace slq::hw
