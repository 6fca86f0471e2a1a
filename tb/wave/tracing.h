// Waveforms: one VCD for the whole simulation (tb::VcdWriter), a scope per accelerator, a
// reference clock and cycle number, limited to a cycle window. Tracing only mirrors state into trace signals: it never changes a
// result or a cycle count.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/accelerator.h"
#include "tb/wave/vcd_writer.h"

namespace slq::tb {

struct TraceWindow {
  uint64_t from = 0, to = UINT64_MAX;
};
// "FROM:TO", "FROM:" or ":TO" in cycles; "" is everything.
TraceWindow parse_window(const std::string& text, const std::string& flag);
std::vector<int> parse_lanes(const std::string& text, const std::string& flag);

class Tracer {
 public:
  // vcd_path empty: no tracing. Must be built before the accelerators and before sc_start.
  Tracer(const std::string& vcd_path, TraceWindow window, const std::string& lanes, const hw::AccelConfig& config);
  ~Tracer();
  // A new accelerator (alive to the end of the process) whose signals go into the VCD.
  hw::Accelerator* make_accelerator(const std::string& name, hw::AccelConfig config);
  bool enabled() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }
  void close();

 private:
  std::string path_;
  TraceWindow window_;
  std::vector<int> lanes_;
  std::unique_ptr<VcdWriter> file_;
};

}  // namespace slq::tb
