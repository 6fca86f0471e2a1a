#include "tb/app/energy_table.h"

#include <cmath>
#include <cstdio>
#include <set>

#include "models/codec/format.h"
#include "models/errors.h"
#include "tb/app/yaml_file.h"

#ifndef SLQSIM_DATA_DIR
#define SLQSIM_DATA_DIR "data"
#endif

namespace slq::tb {

std::string default_energy_table() { return std::string(SLQSIM_DATA_DIR) + "/energy_45nm.yaml"; }

namespace {

// FNV-1a, 64 bits, of the file's bytes: a digest to tell two tables apart in the config echo.
std::string digest_of(const std::string& bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  char text[32];  // "fnv1a64:", 16 hex digits, NUL
  std::snprintf(text, sizeof text, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  return text;
}

struct Reader {
  const std::string& path;
  [[noreturn]] void fail(const YAML::Node& at, const std::string& why) const {
    throw InputError(path, yaml_position(at.Mark()), why);
  }
  // The map's entries, refusing duplicate and unknown keys.
  void check_keys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& what) const {
    if (!map.IsMap()) fail(map, what + " must be a map");
    std::set<std::string> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) fail(kv.first, "a key of " + what + " must be a plain name");
      const std::string key = kv.first.Scalar();
      if (!seen.insert(key).second) fail(kv.first, "duplicate key '" + key + "' in " + what);
      if (!allowed.empty() && !allowed.count(key)) fail(kv.first, "unknown key '" + key + "' in " + what);
    }
  }
  double number(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) fail(n, what + " must be a number");
    const std::string& text = n.Scalar();
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || !std::isfinite(v) || v < 0)
      fail(n, what + " must be a finite number >= 0, got '" + text + "'");
    return v;
  }
  bool flag(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar() || (n.Scalar() != "true" && n.Scalar() != "false")) fail(n, what + " must be true or false");
    return n.Scalar() == "true";
  }
  std::string text(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) fail(n, what + " must be text");
    return n.Scalar();
  }
};

}  // namespace

EnergyTable read_energy_table(const std::string& path) {
  std::string bytes;
  const YAML::Node root = read_yaml_file(path, &bytes);
  const Reader r{path};
  if (!root.IsMap()) throw InputError(path, "", "expected a map with 'actions' and 'components'");
  r.check_keys(root, {"technology", "actions", "components"}, "the table");
  EnergyTable t;
  t.path = path;
  t.digest = digest_of(bytes);
  if (!root["actions"]) throw InputError(path, "", "no 'actions'");
  if (!root["components"]) throw InputError(path, "", "no 'components'");
  const YAML::Node actions = root["actions"];
  r.check_keys(actions, {}, "actions");
  for (const auto& kv : actions) {
    const std::string name = kv.first.Scalar();
    const YAML::Node& a = kv.second;
    const std::string what = "action " + name;
    r.check_keys(a, {"energy_pj", "energy_pj_by_size", "per_bits", "per_lane", "per_bit", "source"}, what);
    EnergyTable::Action x;
    if (a["energy_pj"]) x.pj = r.number(a["energy_pj"], what + ": energy_pj");
    if (a["energy_pj_by_size"]) {
      const YAML::Node points = a["energy_pj_by_size"];
      if (!points.IsSequence() || points.size() == 0) r.fail(points, what + ": energy_pj_by_size must be a list of [bytes, pJ]");
      for (const auto& p : points) {
        if (!p.IsSequence() || p.size() != 2) r.fail(p, what + ": each point must be [bytes, pJ]");
        const double bytes_at = r.number(p[0], what + ": bytes"), pj = r.number(p[1], what + ": pJ");
        if (bytes_at <= 0 || pj <= 0) r.fail(p, what + ": a point needs bytes > 0 and pJ > 0");
        if (!x.by_size.empty() && bytes_at <= x.by_size.back().first) r.fail(p, what + ": sizes must increase");
        x.by_size.emplace_back(bytes_at, pj);
      }
      if (!a["per_bits"]) r.fail(a, what + ": energy_pj_by_size needs per_bits");
      x.per_bits = r.number(a["per_bits"], what + ": per_bits");
      if (x.per_bits < 1) r.fail(a["per_bits"], what + ": per_bits must be at least 1");
    } else if (!a["energy_pj"]) {
      r.fail(a, what + " needs energy_pj (or energy_pj_by_size)");
    }
    if (a["per_lane"]) x.per_lane = r.flag(a["per_lane"], what + ": per_lane");
    if (a["per_bit"]) x.per_bit = r.flag(a["per_bit"], what + ": per_bit");
    if (!a["source"]) r.fail(a, what + " needs a source");
    x.source = r.text(a["source"], what + ": source");
    t.actions[name] = x;
  }
  const YAML::Node components = root["components"];
  r.check_keys(components, {}, "components");
  for (const auto& kv : components) {
    const std::string name = kv.first.Scalar();
    const YAML::Node& c = kv.second;
    const std::string what = "component " + name;
    r.check_keys(c, {"area_um2", "area_um2_per_bit", "area_um2_per_entry", "area_um2_by_format", "per_lane", "source"},
                 what);
    EnergyTable::Area x;
    if (c["area_um2"]) x.um2 = r.number(c["area_um2"], what + ": area_um2");
    if (c["area_um2_per_bit"]) x.um2_per_bit = r.number(c["area_um2_per_bit"], what + ": area_um2_per_bit");
    if (c["area_um2_per_entry"]) x.um2_per_entry = r.number(c["area_um2_per_entry"], what + ": area_um2_per_entry");
    if (c["area_um2_by_format"]) {
      if (!c["area_um2_by_format"].IsMap()) r.fail(c["area_um2_by_format"], what + ": area_um2_by_format must map formats to areas");
      for (const auto& f : c["area_um2_by_format"]) {
        const std::string format = f.first.Scalar();
        parse_format(format, what + ": area_um2_by_format");
        x.um2_by_format[format] = r.number(f.second, what + ": area_um2_by_format: " + format);
      }
    }
    if (!c["area_um2"] && !c["area_um2_per_bit"] && !c["area_um2_per_entry"]) r.fail(c, what + " needs an area");
    if (c["per_lane"]) x.per_lane = r.flag(c["per_lane"], what + ": per_lane");
    if (!c["source"]) r.fail(c, what + " needs a source");
    x.source = r.text(c["source"], what + ": source");
    t.areas[name] = x;
  }
  t.validate();
  return t;
}

}  // namespace slq::tb
