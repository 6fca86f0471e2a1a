#include "tb/wave/gtkw.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "hw/decoder/stream_decoder.h"
#include "models/errors.h"
#include "tb/app/cli.h"

extern char** environ;

namespace slq::tb {

std::string VcdSignal::gtkwave_name() const {
  return width > 1 ? path + "[" + std::to_string(width - 1) + ":0]" : path;
}

VcdHeader read_vcd_header(const std::string& vcd_path) {
  std::ifstream in(vcd_path);
  if (!in) throw InputError(vcd_path, "", "cannot read the VCD file");
  VcdHeader header;
  std::vector<std::string> scopes;
  for (std::string token; in >> token && token != "$enddefinitions";) {
    if (token == "$timescale") {
      std::string text, word;
      while (in >> word && word != "$end") text += word;  // "100ps" or "100 ps"
      const size_t unit = text.find_first_not_of("0123456789");
      const std::string dim = unit == std::string::npos ? "s" : text.substr(unit);
      static const std::pair<const char*, double> units[] = {{"fs", 1e-3}, {"ps", 1}, {"ns", 1e3}, {"us", 1e6},
                                                             {"ms", 1e9}, {"s", 1e12}};
      for (const auto& [name, ps] : units)
        if (dim == name) header.unit_ps = ps;
    } else if (token == "$scope") {
      std::string kind, name;
      in >> kind >> name;
      scopes.push_back(name);
    } else if (token == "$upscope") {
      if (!scopes.empty()) scopes.pop_back();
    } else if (token == "$var") {
      std::string type, id, name;
      VcdSignal s;
      in >> type >> s.width >> id >> name;
      for (const std::string& scope : scopes) s.path += scope + ".";
      s.path += name;
      header.signals.push_back(s);
    }
  }
  return header;
}

namespace {

// GTKWave trace flags (gtkwave's analyzer.h): right-justified binary, signed decimal, decimal
// shown through a translate filter file, groups.
constexpr const char* kBitFlags = "@28";
constexpr const char* kSignedDecimalFlags = "@424";
constexpr const char* kTranslatedFlags = "@2024";
constexpr const char* kGroupBegin = "@800200";
constexpr const char* kGroupEnd = "@1000200";

// Coded signals shown by name: a translate filter file ("value name" lines) per group.
struct ValueNames {
  const char* group;
  std::vector<std::pair<int, const char*>> names;
};
const std::vector<ValueNames>& value_names() {
  using hw::DecoderStatus;
  using hw::StallCause;
  static const std::vector<ValueNames> table = {
      {"controller.stall_cause",
       {{int(StallCause::none), "none"}, {int(StallCause::decoder), "decoder"}, {int(StallCause::memory), "memory"},
        {int(StallCause::fifo), "fifo"}}},
      {"decoder.status",
       {{int(DecoderStatus::idle), "idle"}, {int(DecoderStatus::produced), "produced"},
        {int(DecoderStatus::starved), "starved"}, {int(DecoderStatus::no_term), "no_term"},
        {int(DecoderStatus::fifo_full), "fifo_full"}, {int(DecoderStatus::done), "done"}}}};
  return table;
}

int block_rank(const std::string& group) {
  static const char* const order[] = {"controller.", "array.", "decoder.", "output."};
  for (int i = 0; i < 4; ++i)
    if (group.rfind(order[i], 0) == 0) return i;
  return 4;
}

}  // namespace

void write_gtkw(const std::string& gtkw_path, const std::string& dump_path, const VcdHeader& vcd,
                const std::vector<std::string>& scopes, const GtkwView& view) {
  const std::vector<VcdSignal>& signals = vcd.signals;
  // group name ("decoder.status") -> the signal under each scope, in scope order
  std::vector<std::string> groups;
  std::vector<std::vector<const VcdSignal*>> members;
  std::vector<const VcdSignal*> ungrouped;
  for (const VcdSignal& s : signals) {
    size_t scope_index = scopes.size(), at = std::string::npos;
    for (size_t k = 0; k < scopes.size() && at == std::string::npos; ++k) {
      at = s.path.find("." + scopes[k] + ".");
      if (at != std::string::npos) scope_index = k;
    }
    if (at == std::string::npos) {
      ungrouped.push_back(&s);
      continue;
    }
    const std::string group = s.path.substr(at + scopes[scope_index].size() + 2);
    auto it = std::find(groups.begin(), groups.end(), group);
    if (it == groups.end()) {
      groups.push_back(group);
      members.emplace_back(scopes.size(), nullptr);
      it = groups.end() - 1;
    }
    members[static_cast<size_t>(it - groups.begin())][scope_index] = &s;
  }
  std::vector<size_t> order(groups.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return block_rank(groups[a]) < block_rank(groups[b]); });

  // The filter files go next to the save file: FILE.<group>.txt, numbered as GTKWave lists them.
  std::vector<std::pair<std::string, std::string>> filters;  // group -> absolute path
  const std::string stem = gtkw_path.size() > 5 ? gtkw_path.substr(0, gtkw_path.size() - 5) : gtkw_path;
  for (const ValueNames& v : value_names()) {
    if (std::find(groups.begin(), groups.end(), v.group) == groups.end()) continue;
    std::ostringstream lines;
    for (const auto& [value, name] : v.names) lines << value << ' ' << name << '\n';
    const std::string path = std::filesystem::absolute(stem + "." + v.group + ".txt").string();
    write_file_atomic(path, lines.str());
    filters.emplace_back(v.group, path);
  }
  auto trace_line = [&](std::ostream& os, const VcdSignal& s, const std::string& group, const std::string& alias) {
    const auto filter = std::find_if(filters.begin(), filters.end(), [&](const auto& f) { return f.first == group; });
    if (filter != filters.end())
      os << kTranslatedFlags << "\n^" << (filter - filters.begin() + 1) << ' ' << filter->second << '\n';
    else
      os << (s.width > 1 ? kSignedDecimalFlags : kBitFlags) << '\n';
    if (!alias.empty()) os << "+{" << alias << "} ";
    os << s.gtkwave_name() << '\n';
  };
  // At zoom z GTKWave shows 2^-z / 200 time units per pixel (measured with 3.3.118); the waves
  // get about 1050 of the 1600 pixels.
  const double units_per_cycle = double(view.period_ps) / vcd.unit_ps;
  const double zoom = -std::log2(double(std::max<uint64_t>(view.cycles, 1)) * units_per_cycle / 1050.0 * 200.0);
  std::ostringstream os;
  os << "[*] slqsim compare: one group per signal, one row per encoding in each\n"
     << "[dumpfile] \"" << std::filesystem::absolute(dump_path).string() << "\"\n"
     << "[savefile] \"" << std::filesystem::absolute(gtkw_path).string() << "\"\n"
     << "[timestart] " << static_cast<uint64_t>(double(view.from_cycle) * units_per_cycle) << "\n"
     << "[size] 1600 900\n[pos] -1 -1\n"
     << "*" << std::fixed << std::setprecision(6) << zoom << " -1";  // no primary marker
  for (int i = 0; i < 26; ++i) os << " -1";                                // nor named ones
  os << "\n[sst_width] 200\n[signals_width] 300\n[sst_expanded] 0\n";
  for (const VcdSignal* s : ungrouped) trace_line(os, *s, "", "");
  for (size_t g : order) {
    os << kGroupBegin << "\n-" << groups[g] << '\n';
    for (size_t k = 0; k < scopes.size(); ++k)
      if (members[g][k]) trace_line(os, *members[g][k], groups[g], scopes[k]);
    os << kGroupEnd << "\n-" << groups[g] << '\n';
  }
  write_file_atomic(gtkw_path, os.str());
}

std::string convert_to_fst(const std::string& vcd_path) {
  std::string fst_path = vcd_path;
  if (fst_path.size() > 4 && fst_path.compare(fst_path.size() - 4, 4, ".vcd") == 0) fst_path.resize(fst_path.size() - 4);
  fst_path += ".fst";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);  // stdout carries our results only
  std::vector<std::string> args = {"vcd2fst", vcd_path, fst_path};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, "vcd2fst", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err == ENOENT) throw InputError("--fst", "", "vcd2fst not found on PATH (install GTKWave: Debian package gtkwave)");
  if (err != 0) throw std::runtime_error("cannot start vcd2fst: " + std::string(std::strerror(err)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("vcd2fst failed on " + vcd_path + " (status " + std::to_string(status) + ")");
  return fst_path;
}

}  // namespace slq::tb
