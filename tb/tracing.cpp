#include "tb/tracing.h"

#include <fstream>
#include <sstream>

#include "models/errors.h"

namespace slq::tb {

TraceWindow parse_window(const std::string& text, const std::string& flag) {
  TraceWindow w;
  if (text.empty()) return w;
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw InputError(flag, "", "expected FROM:TO in cycles, got '" + text + "'");
  auto number = [&](const std::string& s, uint64_t fallback) -> uint64_t {
    if (s.empty()) return fallback;
    size_t used = 0;
    uint64_t v = 0;
    try {
      v = std::stoull(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || s[0] == '-') throw InputError(flag, "", "'" + s + "' is not a cycle number");
    return v;
  };
  w.from = number(text.substr(0, colon), 0);
  w.to = number(text.substr(colon + 1), UINT64_MAX);
  if (w.from > w.to) throw InputError(flag, "", "FROM must not exceed TO");
  return w;
}

std::vector<int> parse_lanes(const std::string& text, const std::string& flag) {
  std::vector<int> lanes;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    size_t used = 0;
    int v = -1;
    try {
      v = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || v < 0) throw InputError(flag, "", "'" + item + "' is not a lane number");
    lanes.push_back(v);
  }
  return lanes;
}

Tracer::Tracer(const std::string& vcd_path, TraceWindow window, const std::string& lanes,
               const hw::AccelConfig& config)
    : window_(window), lanes_(parse_lanes(lanes, "--trace-lanes")) {
  for (int lane : lanes_)
    if (lane >= config.array.lanes)
      throw InputError("--trace-lanes", "", "lane " + std::to_string(lane) + " is not one of the " +
                                                std::to_string(config.array.lanes) + " lanes");
  if (vcd_path.empty()) return;
  // sc_create_vcd_trace_file appends ".vcd" itself.
  std::string stem = vcd_path;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".vcd") == 0) stem.resize(stem.size() - 4);
  path_ = stem + ".vcd";
  // SystemC crashes on a VCD it cannot open: check first.
  if (!std::ofstream(path_)) throw InputError(path_, "", "cannot create the VCD file");
  file_ = sc_core::sc_create_vcd_trace_file(stem.c_str());
  if (!file_) throw InputError(vcd_path, "", "cannot create the VCD file");
  // A power of ten below half a period, so the reference clock's falling edges are representable.
  file_->set_time_unit(100, sc_core::SC_PS);
  // Alive to the end of the process, like every module.
  auto* clock = new WindowClock("clock", sc_core::sc_time(static_cast<double>(config.period_ps), sc_core::SC_PS), window_);
  sc_core::sc_trace(file_, clock->clk, "clk");
  sc_core::sc_trace(file_, clock->cycle, "cycle");
}

WindowClock::WindowClock(sc_core::sc_module_name name, sc_core::sc_time period, TraceWindow window)
    : sc_module(name), half_(period / 2), window_(window) {
  SC_METHOD(toggle);
}

void WindowClock::toggle() {
  const uint64_t now_half = static_cast<uint64_t>(sc_core::sc_time_stamp() / half_);
  const uint64_t first = window_.from * 2, last = window_.to == UINT64_MAX ? UINT64_MAX : window_.to * 2 + 1;
  if (now_half < first) {
    next_trigger(half_ * static_cast<double>(first - now_half));
    return;
  }
  if (now_half > last) return;  // the window is over: no more events
  high_ = now_half % 2 == 0;    // rising edge at the start of every cycle
  clk.write(high_);
  if (high_) cycle.write(now_half / 2);
  next_trigger(half_);
}

Tracer::~Tracer() { close(); }

hw::Accelerator* Tracer::make_accelerator(const std::string& name, hw::AccelConfig config) {
  if (file_) {
    config.trace.enabled = true;
    config.trace.lanes = lanes_;
    config.trace.window_from = window_.from;
    config.trace.window_to = window_.to;
  }
  // Alive to the end of the process: the kernel keeps pointers to its modules.
  auto* accel = new hw::Accelerator(name.c_str(), config);
  if (file_) accel->trace(file_);
  return accel;
}

namespace {
// SystemC stamps the VCD with the wall-clock date; blank it (in place, same length) so the same
// configuration gives byte-identical waveforms.
void blank_vcd_date(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::string head(256, '\0');
  f.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(f.gcount()));
  const auto begin = head.find("$date\n");
  const auto end = head.find("\n$end", begin);
  if (!f.good() && head.empty()) return;
  if (begin == std::string::npos || end == std::string::npos) return;
  const size_t from = begin + 6;
  std::string text = "     (date omitted: reproducible waveform)";
  text.resize(end - from, ' ');
  f.clear();
  f.seekp(static_cast<std::streamoff>(from));
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
}
}  // namespace

void Tracer::close() {
  if (!file_) return;
  sc_core::sc_close_vcd_trace_file(file_);
  file_ = nullptr;
  blank_vcd_date(path_);
}

}  // namespace slq::tb
