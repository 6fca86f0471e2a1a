#include "tb/app/sweep.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "models/errors.h"
#include "tb/app/yaml_file.h"

namespace slq::tb {

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// The keys a sweep may set: run's options by their config names (and aliases without dashes).
bool known_option(const std::string& key) {
  for (const OptionSpec& s : option_specs())
    if (s.name == key || (!s.alias.empty() && s.alias.substr(2) == key)) return true;
  return false;
}

void check_keys(const YAML::Node& map, const std::string& file, const std::string& where) {
  if (!map.IsMap()) throw InputError(file, yaml_position(map.Mark()), where + " must be a map of 'option: value'");
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) throw InputError(file, yaml_position(kv.first.Mark()), "a key must be a plain name");
    if (!known_option(kv.first.Scalar()))
      throw InputError(file, yaml_position(kv.first.Mark()),
                       "unknown option '" + kv.first.Scalar() + "' in " + where + " (the keys of slqsim run's config)");
  }
}

std::string value_text(const YAML::Node& v) {
  if (v.IsScalar()) return v.Scalar();
  std::string out;
  if (v.IsSequence())
    for (const auto& e : v) out += (out.empty() ? "" : ",") + value_text(e);
  if (v.IsMap())
    for (const auto& kv : v) out += (out.empty() ? "" : ",") + kv.first.Scalar() + "=" + value_text(kv.second);
  return out;
}

// Sets key in a map node, in place when present (so the key keeps its position).
void set_value(YAML::Node& map, const std::string& key, const YAML::Node& value) { map[key] = YAML::Clone(value); }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string json_number(const nlohmann::json& v) { return v.is_null() ? "" : v.dump(); }
double json_double(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : std::nan(""); }

}  // namespace

SweepPlan read_sweep(const std::string& path) {
  SweepPlan plan;
  const YAML::Node root = read_yaml_file(path, &plan.text);
  if (!root.IsMap()) throw InputError(path, yaml_position(root.Mark()), "expected a map with base, grid and points");
  YAML::Node base(YAML::NodeType::Map), grid(YAML::NodeType::Map), points;
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (key == "base") base = kv.second;
    else if (key == "grid") grid = kv.second;
    else if (key == "points") points = kv.second;
    else
      throw InputError(path, yaml_position(kv.first.Mark()), "unknown key '" + key + "' (expected base, grid, points)");
  }
  if (base.IsNull()) base = YAML::Node(YAML::NodeType::Map);
  check_keys(base, path, "base");
  // `grid` is one map of axes, or a list of them whose points follow each other.
  std::vector<YAML::Node> grids;
  if (grid.IsSequence()) {
    for (const auto& g : grid) grids.push_back(g);
    if (grids.empty()) throw InputError(path, yaml_position(grid.Mark()), "grid is an empty list");
  } else {
    grids.push_back(grid.IsNull() ? YAML::Node(YAML::NodeType::Map) : grid);
  }
  for (const YAML::Node& g : grids) check_keys(g, path, "grid");
  std::vector<YAML::Node> explicit_points;
  if (points.IsDefined() && !points.IsNull()) {
    if (!points.IsSequence()) throw InputError(path, yaml_position(points.Mark()), "points must be a list of maps");
    for (const auto& p : points) {
      check_keys(p, path, "a point");
      explicit_points.push_back(p);
    }
  }
  if (explicit_points.empty()) explicit_points.push_back(YAML::Node(YAML::NodeType::Map));

  for (const YAML::Node& g : grids) {
    // The axes: each a list of values (a scalar is a list of one).
    std::vector<std::pair<std::string, std::vector<YAML::Node>>> axes;
    for (const auto& kv : g) {
      std::vector<YAML::Node> values;
      if (kv.second.IsSequence()) {
        for (const auto& v : kv.second) values.push_back(v);
        if (values.empty())
          throw InputError(path, yaml_position(kv.first.Mark()), "axis '" + kv.first.Scalar() + "' has no values");
      } else {
        values.push_back(kv.second);
      }
      axes.emplace_back(kv.first.Scalar(), values);
    }
    size_t combos = 1;
    for (const auto& a : axes) {
      combos *= a.second.size();
      if ((plan.points.size() + combos) * explicit_points.size() > 100000)
        throw InputError(path, "", "more than 100000 points");
    }
    for (size_t c = 0; c < combos; ++c) {
      // The combination's value index per axis, the last axis fastest.
      std::vector<size_t> pick(axes.size());
      size_t rest = c;
      for (size_t a = axes.size(); a-- > 0;) {
        pick[a] = rest % axes[a].second.size();
        rest /= axes[a].second.size();
      }
      for (const YAML::Node& extra : explicit_points) {
        YAML::Node node = YAML::Clone(base);
        std::string label;
        for (size_t a = 0; a < axes.size(); ++a) {
          set_value(node, axes[a].first, axes[a].second[pick[a]]);
          label += (label.empty() ? "" : " ") + axes[a].first + "=" + value_text(axes[a].second[pick[a]]);
        }
        for (const auto& kv : extra) {
          set_value(node, kv.first.Scalar(), kv.second);
          label += (label.empty() ? "" : " ") + kv.first.Scalar() + "=" + value_text(kv.second);
        }
        SweepPoint p;
        YAML::Emitter out;
        out << node;
        p.config_yaml = std::string(out.c_str()) + "\n";
        p.label = label.empty() ? "base" : label;
        const std::string where = "point " + std::to_string(plan.points.size()) + " (" + p.label + ")";
        try {
          apply_options_text(p.options, p.config_yaml, path);
          if (p.options.model.empty()) throw InputError("--model", "", "no model (set model in base)");
          p.options.validate();
        } catch (const InputError& e) {
          throw InputError(path, where, e.where() + ": " + e.reason());
        }
        plan.points.push_back(std::move(p));
      }
    }
  }
  return plan;
}

std::string point_dir(const std::string& out, size_t index) { return out + "/points/" + fmt::format("{:04d}", index); }

bool point_finished(const std::string& out, size_t index, const SweepPoint& p) {
  const std::string dir = point_dir(out, index);
  if (read_all(dir + "/config.yaml") != p.config_yaml) return false;
  const std::string summary = read_all(dir + "/summary.json");
  if (summary.empty()) return false;
  const nlohmann::json j = nlohmann::json::parse(summary, nullptr, false);
  return j.is_object() && j.value("complete", false);
}

std::vector<bool> pareto_front(const std::vector<std::vector<double>>& rows, const std::vector<bool>& maximize) {
  std::vector<bool> front(rows.size(), true);
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows.size() && front[i]; ++j) {
      if (i == j) continue;
      bool no_worse = true, better = false;
      for (size_t k = 0; k < maximize.size(); ++k) {
        const double a = rows[i][k], b = rows[j][k];
        if (std::isnan(a) || std::isnan(b)) continue;
        const bool j_better = maximize[k] ? b > a : b < a;
        const bool j_worse = maximize[k] ? b < a : b > a;
        if (j_worse) no_worse = false;
        if (j_better) better = true;
      }
      if (no_worse && better) front[i] = false;  // row j dominates row i
    }
  return front;
}

std::string sweep_csv(const std::string& out, const SweepPlan& plan, const std::vector<bool>& finished,
                      std::vector<std::pair<size_t, std::string>>* front_rows) {
  struct Row {
    size_t point;
    std::string encoding;
    std::vector<std::string> fields;
    double accuracy, bits, cycles, energy;
  };
  std::vector<Row> rows;
  std::vector<std::string> option_names;
  for (const auto& [name, value] : Options().values()) option_names.push_back(name);
  for (size_t i = 0; i < plan.points.size(); ++i) {
    if (!finished[i]) continue;
    const std::string path = point_dir(out, i) + "/summary.json";
    const nlohmann::json j = nlohmann::json::parse(read_all(path), nullptr, false);
    if (!j.is_object() || !j.contains("encodings")) throw InputError(path, "", "not a summary of slqsim run");
    for (const nlohmann::json& e : j["encodings"]) {
      Row r;
      r.point = i;
      r.encoding = e.value("name", "");
      r.fields.push_back(std::to_string(i));
      r.fields.push_back(e.value("name", ""));
      for (const auto& [name, value] : plan.points[i].options.values()) r.fields.push_back(value);
      r.fields.push_back(json_number(j["images"]));
      r.fields.push_back(json_number(j["float_accuracy_top1"]));
      for (const char* k : {"accuracy_top1", "agreement_with_float_top1", "bits_per_weight", "words_per_weight",
                            "weight_bits_total", "cycles_per_image", "stall_cycles", "lane_utilization_pct",
                            "energy_pj_per_image", "area_um2", "energy_delay_product_pj_ns"})
        r.fields.push_back(e.contains(k) ? json_number(e[k]) : "");
      r.accuracy = json_double(e["accuracy_top1"]);
      r.bits = json_double(e["bits_per_weight"]);
      r.cycles = e.contains("cycles_per_image") ? json_double(e["cycles_per_image"]) : std::nan("");
      r.energy = e.contains("energy_pj_per_image") ? json_double(e["energy_pj_per_image"]) : std::nan("");
      rows.push_back(std::move(r));
    }
  }
  const double nan = std::nan("");
  auto front = [&](bool bits, bool cycles, bool energy) {
    std::vector<std::vector<double>> objectives;
    for (const Row& r : rows)
      objectives.push_back({r.accuracy, bits ? r.bits : nan, cycles ? r.cycles : nan, energy ? r.energy : nan});
    return pareto_front(objectives, {true, false, false, false});
  };
  const std::vector<bool> all = front(true, true, true), by_bits = front(true, false, false),
                          by_cycles = front(false, true, false), by_energy = front(false, false, true);
  std::ostringstream os;
  os << "point,encoding";
  for (const std::string& n : option_names) os << ',' << n;
  os << ",images_run,float_accuracy_top1,accuracy_top1,agreement_with_float_top1,bits_per_weight,words_per_weight,"
        "weight_bits_total,cycles_per_image,stall_cycles,lane_utilization_pct,energy_pj_per_image,area_um2,"
        "energy_delay_product_pj_ns,pareto,pareto_bits,pareto_cycles,pareto_energy\n";
  for (size_t k = 0; k < rows.size(); ++k) {
    for (size_t f = 0; f < rows[k].fields.size(); ++f) os << (f ? "," : "") << csv_field(rows[k].fields[f]);
    for (bool b : {all[k], by_bits[k], by_cycles[k], by_energy[k]}) os << ',' << (b ? "true" : "false");
    os << '\n';
    if (front_rows && all[k]) front_rows->emplace_back(rows[k].point, rows[k].encoding);
  }
  return os.str();
}

}  // namespace slq::tb
