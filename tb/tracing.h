// Waveforms: one VCD for the whole simulation, a scope per accelerator, a clock for reference,
// limited to a cycle window. Tracing only mirrors state into trace signals: it never changes a
// result or a cycle count.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "hw/accelerator.h"

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
  sc_core::sc_trace_file* file_ = nullptr;
};

// A reference clock and cycle number for the waveform, driven only inside the trace window so
// that the VCD holds nothing outside it.
class WindowClock : public sc_core::sc_module {
 public:
  sc_core::sc_signal<bool> clk{"clk"};
  sc_core::sc_signal<uint64_t> cycle{"cycle"};
  SC_HAS_PROCESS(WindowClock);
  WindowClock(sc_core::sc_module_name name, sc_core::sc_time period, TraceWindow window);

 private:
  void toggle();
  sc_core::sc_time half_;
  TraceWindow window_;
  bool high_ = false;
};

}  // namespace slq::tb
