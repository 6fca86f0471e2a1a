#include "tb/wave/tracing.h"

#include <sstream>

#include <spdlog/spdlog.h>

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
  // The ".vcd" suffix is added when missing (as SystemC's writer does).
  std::string stem = vcd_path;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".vcd") == 0) stem.resize(stem.size() - 4);
  path_ = stem + ".vcd";
  VcdWriter::ClockOptions clock;
  clock.period_ps = config.period_ps;
  clock.from = window_.from;
  clock.to = window_.to;
  file_ = std::make_unique<VcdWriter>(path_, clock);
}

Tracer::~Tracer() {
  try {
    close();
  } catch (const std::exception& e) {  // unwinding from another error: say it, do not terminate
    spdlog::error("{}", e.what());
  }
}

hw::Accelerator* Tracer::make_accelerator(const std::string& name, hw::AccelConfig config) {
  if (file_) {
    config.trace.enabled = true;
    config.trace.lanes = lanes_;
    config.trace.window_from = window_.from;
    config.trace.window_to = window_.to;
  }
  // Alive to the end of the process: the kernel keeps pointers to its modules.
  auto* accel = new hw::Accelerator(name.c_str(), config);
  if (file_) accel->trace(file_.get());
  return accel;
}

void Tracer::close() {
  if (!file_) return;
  std::unique_ptr<VcdWriter> file = std::move(file_);
  file->close();
}

}  // namespace slq::tb
