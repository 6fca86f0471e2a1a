#include "tb/app/options.h"

#include <cmath>
#include <set>
#include <sstream>
#include <type_traits>

#include "models/errors.h"
#include "tb/app/cli.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace slq::tb {

namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

std::vector<OptionSpec> make_specs() {
  using O = Options;
  const std::vector<std::string> formats{"tag", "special", "lq", "linear"};
  std::vector<OptionSpec> s;
  // In the order of the config echo in summary.json.
  s.push_back({"model", "model", "ONNX model (Conv, Gemm/MatMul, Relu, pooling, Flatten)", &O::model});
  s.push_back({"dataset", "dataset", "Data set", &O::dataset, 0, 0, {"fashion-mnist"}});
  s.push_back({"data-dir", "data_dir", "Directory with the Fashion-MNIST IDX files", &O::data_dir});
  s.push_back({"images", "images", "Simulate the first N test images, in order", &O::images, 1, 1e9});
  s.push_back({"encodings", "encodings", "Comma-separated: tag,special,lq,linear", &O::encodings, 0, 0, formats, true});
  s.push_back({"word-bits", "word_bits", "b: bits of an SLQ code word", &O::word_bits, 2, 8});
  s.push_back({"L", "L", "L: SLQ words per weight at most (tag, special)", &O::max_words, 1, 16});
  s.push_back({"theta", "theta", "SLQ stop threshold on the normalized residue, in [0, 1)", &O::theta, 0, 1});
  s.back().max_open = true;
  s.push_back({"rounding", "rounding", "LogQuant rounding: log or linear", &O::rounding, 0, 0, {"log", "linear"}});
  s.push_back({"per-channel-scale", "per_channel_scale", "One power-of-two scale per output channel",
               &O::per_channel_scale});
  s.push_back({"stream-bits", "stream_bits", "N: activation bits (stream period 2^N)", &O::stream_bits, 1, 16});
  s.push_back({"mem-word-bits", "mem_word_bits", "W: weight-memory word bits", &O::mem_word_bits, 1, 64});
  s.push_back({"layer-theta", "", "Per-layer theta: LAYER=VALUE, comma-separated (YAML: a map)", &O::layer_theta, 0, 1});
  s.back().max_open = true;
  s.push_back({"layer-L", "", "Per-layer L: LAYER=VALUE, comma-separated (YAML: a map)", &O::layer_max_words, 1, 16});
  s.push_back({"lanes", "lanes", "P: lanes of the MAC array", &O::lanes, 1, 4096});
  s.push_back({"bits-per-cycle", "bits_per_cycle", "B: stream bits per lane per cycle", &O::bits_per_cycle, 1, 64});
  s.push_back({"fields-per-cycle", "fields_per_cycle", "Decoder fields per cycle", &O::fields_per_cycle, 1, 64});
  s.push_back({"fifo-depth", "fifo_depth", "Term FIFO entries", &O::fifo_depth, 1, 1024});
  s.push_back({"acc-bits", "acc_bits", "A: accumulator bits (saturating)", &O::acc_bits, 2, 48});
  s.push_back({"sng", "sng", "Stream generator: ld or lfsr", &O::sng, 0, 0, {"ld", "lfsr"}});
  s.push_back({"seed", "seed", "Seed of the LFSR SNGs", &O::seed, 0, 18446744073709551615.0});
  s.push_back({"sim-mode", "sim_mode", "fast, per-cycle (forced by --vcd) or model (no SystemC)", &O::sim_mode, 0, 0,
               {"fast", "per-cycle", "model"}});
  s.push_back({"calibration-images", "calibration_images", "Training images for the activation scales",
               &O::calibration_images, 1, 60000});
  s.push_back({"calibration-percentile", "calibration_percentile", "Percentile of activations mapped to 2^N-1",
               &O::calibration_percentile, 0, 100});
  s.back().min_open = true;
  s.push_back({"clock-period-ps", "clock_period_ps", "Clock period in ps", &O::clock_period_ps, 1, 1e9});
  s.push_back({"energy-table", "energy_table", "Energy and area reference table (YAML; default: the shipped 45 nm one)",
               &O::energy_table});
  for (OptionSpec& o : s)
    if (o.name == "word-bits") o.alias = "--bits";  // slqsim quantize's name for it
  return s;
}

std::string number_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e18) return std::to_string(static_cast<int64_t>(v));
  return fmt::format("{}", v);  // the shortest text that reads back to v
}

// "a=1,b=2" items of a map option.
template <class T>
void parse_map_item(const std::string& item, const OptionSpec& spec, std::map<std::string, T>& out) {
  const size_t eq = item.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
    throw InputError(spec.flag(), "", "expected LAYER=VALUE, got '" + item + "'");
  const std::string key = item.substr(0, eq), text = item.substr(eq + 1);
  size_t used = 0;
  T value{};
  try {
    if constexpr (std::is_same_v<T, double>) value = std::stod(text, &used);
    else value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size()) throw InputError(spec.flag(), "", "'" + text + "' is not a number (" + key + ")");
  out[key] = value;
}

void check_range(const OptionSpec& spec, double v, const std::string& what) {
  const bool low = spec.min_open ? v > spec.min : v >= spec.min;
  const bool high = spec.max_open ? v < spec.max : v <= spec.max;
  if (!(low && high))  // also NaN
    throw InputError(spec.flag(), "", what + " = " + number_text(v) + " out of range " + (spec.min_open ? "(" : "[") +
                                          number_text(spec.min) + ", " + number_text(spec.max) +
                                          (spec.max_open ? ")" : "]"));
}

}  // namespace

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs = make_specs();
  return specs;
}

const OptionSpec& option_spec(const std::string& name) {
  for (const OptionSpec& s : option_specs())
    if (s.name == name) return s;
  throw std::logic_error("no option '" + name + "'");
}

const std::vector<std::string> kCodeOptions = {"word-bits", "L", "theta", "rounding", "per-channel-scale",
                                               "stream-bits", "mem-word-bits"};
const std::vector<std::string> kRunOptions = [] {
  std::vector<std::string> v;
  for (const OptionSpec& s : option_specs()) v.push_back(s.name);
  return v;
}();
const std::vector<std::string> kCompareOptions = [] {
  std::vector<std::string> v;
  for (const OptionSpec& s : option_specs())
    if (s.name != "dataset" && s.name != "images" && s.name != "sim-mode") v.push_back(s.name);
  return v;
}();

void add_options(CLI::App* app, Options& o, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const OptionSpec& spec = option_spec(name);
    const std::string flags = spec.alias.empty() ? spec.flag() : spec.alias + "," + spec.flag();
    std::visit(
        overloaded{
            [&](bool Options::*m) { app->add_flag(flags, o.*m, spec.help); },
            [&](std::string Options::*m) {
              if (!spec.list) {
                app->add_option(flags, o.*m, spec.help)->capture_default_str();
                return;
              }
              // A comma-separated string on the command line, a list or a string in YAML.
              app->add_option_function<std::vector<std::string>>(
                     flags,
                     [&o, m](const std::vector<std::string>& items) {
                       std::string joined;
                       for (const std::string& n : items) joined += (joined.empty() ? "" : ",") + n;
                       o.*m = joined;
                     },
                     spec.help)
                  ->delimiter(',')
                  ->default_str(o.*m);
            },
            [&](auto Options::*m) {
              using T = std::decay_t<decltype(o.*m)>;
              if constexpr (std::is_same_v<T, std::map<std::string, double>> ||
                            std::is_same_v<T, std::map<std::string, int>>) {
                app->add_option_function<std::vector<std::string>>(
                       flags,
                       [&o, m, &spec](const std::vector<std::string>& items) {
                         for (const std::string& item : items) parse_map_item(item, spec, o.*m);
                       },
                       spec.help)
                    ->delimiter(',')
                    ->type_name("LAYER=VALUE");
              } else if constexpr (std::is_unsigned_v<T>) {  // refuse "-1" rather than wrap it
                app->add_option(flags, o.*m, spec.help)->capture_default_str()->check(non_negative());
              } else {
                app->add_option(flags, o.*m, spec.help)->capture_default_str();
              }
            }},
        spec.member);
  }
}

void Options::validate() const {
  for (const OptionSpec& spec : option_specs()) {
    std::visit(overloaded{[&](bool Options::*) {},
                          [&](std::string Options::*m) {
                            if (spec.choices.empty()) return;
                            std::stringstream items(this->*m);
                            std::string item;
                            std::string allowed;
                            for (const std::string& c : spec.choices) allowed += (allowed.empty() ? "" : ", ") + c;
                            bool any = false;
                            while (std::getline(items, item, spec.list ? ',' : '\0')) {
                              any = true;
                              if (std::find(spec.choices.begin(), spec.choices.end(), item) == spec.choices.end())
                                throw InputError(spec.flag(), "", "unknown value '" + item + "' (expected " + allowed + ")");
                            }
                            if (!any) throw InputError(spec.flag(), "", "empty (expected " + allowed + ")");
                          },
                          [&](auto Options::*m) {
                            using T = std::decay_t<decltype(this->*m)>;
                            if constexpr (std::is_same_v<T, std::map<std::string, double>> ||
                                          std::is_same_v<T, std::map<std::string, int>>) {
                              for (const auto& [layer, v] : this->*m) check_range(spec, double(v), layer);
                            } else {
                              check_range(spec, double(this->*m), spec.name);
                            }
                          }},
               spec.member);
  }
  formats();  // order and duplicates
  for (Format f : formats()) {
    const CodeParams p = code(f);
    p.validate("--word-bits/--L/--theta/--stream-bits/--mem-word-bits");
    if (p.field_bits() > mem_word_bits)
      throw InputError("--mem-word-bits", "", std::string("W must hold a whole field of ") + to_string(f));
  }
  accel().validate("flags");
}

CodeParams Options::code(Format f, const std::string& layer) const {
  CodeParams p;
  p.format = f;
  p.word_bits = word_bits;
  p.stream_bits = stream_bits;
  p.mem_word_bits = mem_word_bits;
  p.max_words = max_words;
  p.theta = theta;
  if (auto it = layer_theta.find(layer); it != layer_theta.end()) p.theta = it->second;
  if (auto it = layer_max_words.find(layer); it != layer_max_words.end()) p.max_words = it->second;
  p.max_words = p.words_limit();  // lq and linear hold one word per weight
  p.rounding = parse_rounding(rounding);
  return p;
}

QuantOptions Options::quant(Format f) const { return {code(f), per_channel_scale}; }

std::vector<EncodingRun> Options::encoding_runs(const Network& net) const {
  // Per-layer overrides must name layers of this network.
  std::set<std::string> names;
  std::string valid;
  for (size_t i : compute_ops(net)) {
    names.insert(sanitize_name(net.ops[i].name));
    valid += (valid.empty() ? "" : ", ") + sanitize_name(net.ops[i].name);
  }
  auto check = [&](const char* flag, const std::string& layer) {
    if (!names.count(layer)) throw InputError(flag, "", "no layer '" + layer + "' in the model (layers: " + valid + ")");
  };
  for (const auto& kv : layer_theta) check("--layer-theta", kv.first);
  for (const auto& kv : layer_max_words) check("--layer-L", kv.first);
  std::vector<EncodingRun> runs;
  for (Format f : formats()) {
    EncodingRun r;
    r.name = to_string(f);
    QuantOptions q = quant(f);
    q.code.validate();
    for (size_t i : compute_ops(net)) {
      q.code = code(f, sanitize_name(net.ops[i].name));
      r.layers.push_back(quantize_layer(net, i, q));
    }
    runs.push_back(std::move(r));
  }
  return runs;
}

ArrayParams Options::array() const {
  ArrayParams a;
  a.lanes = lanes;
  a.bits_per_cycle = bits_per_cycle;
  a.acc_bits = acc_bits;
  a.stream_bits = stream_bits;
  a.sng = sng == "lfsr" ? SngKind::lfsr : SngKind::ld;
  a.seed = seed;
  return a;
}

hw::AccelConfig Options::accel() const {
  hw::AccelConfig c;
  c.array = array();
  c.fields_per_cycle = fields_per_cycle;
  c.fifo_depth = fifo_depth;
  c.period_ps = clock_period_ps;
  return c;
}

CostParams Options::cost() const {
  CostParams p;
  p.lanes = lanes;
  p.word_bits = mem_word_bits;
  p.fifo_depth = fifo_depth;
  p.acc_bits = acc_bits;
  p.bits_per_cycle = bits_per_cycle;
  return p;
}

nlohmann::ordered_json Options::to_json() const {
  nlohmann::ordered_json j;
  for (const OptionSpec& spec : option_specs()) {
    if (spec.json.empty()) continue;
    std::visit([&](auto Options::*m) { j[spec.json] = this->*m; }, spec.member);
  }
  // Per-layer overrides only when there are any (the echo of a run without them is unchanged).
  if (!layer_theta.empty()) j["layer_theta"] = layer_theta;
  if (!layer_max_words.empty()) j["layer_L"] = layer_max_words;
  return j;
}

std::vector<std::pair<std::string, std::string>> Options::values() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const OptionSpec& spec : option_specs()) {
    std::visit(
        [&](auto Options::*m) {
          using T = std::decay_t<decltype(this->*m)>;
          std::string text;
          if constexpr (std::is_same_v<T, std::map<std::string, double>> || std::is_same_v<T, std::map<std::string, int>>) {
            for (const auto& [k, v] : this->*m) text += (text.empty() ? "" : ",") + k + "=" + number_text(double(v));
          } else if constexpr (std::is_same_v<T, bool>) {
            text = this->*m ? "true" : "false";
          } else if constexpr (std::is_same_v<T, std::string>) {
            text = this->*m;
          } else if constexpr (std::is_same_v<T, double>) {
            text = number_text(this->*m);
          } else {
            text = std::to_string(this->*m);
          }
          out.emplace_back(spec.name, text);
        },
        spec.member);
  }
  return out;
}

std::string Options::to_yaml() const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const OptionSpec& spec : option_specs()) {
    std::visit(
        [&](auto Options::*m) {
          using T = std::decay_t<decltype(this->*m)>;
          if constexpr (std::is_same_v<T, std::map<std::string, double>> || std::is_same_v<T, std::map<std::string, int>>) {
            if ((this->*m).empty()) return;  // an empty map would read back as "no value"
            out << YAML::Key << spec.name << YAML::Value << YAML::BeginMap;
            for (const auto& [k, v] : this->*m) out << YAML::Key << k << YAML::Value << number_text(double(v));
            out << YAML::EndMap;
          } else if constexpr (std::is_same_v<T, bool>) {
            out << YAML::Key << spec.name << YAML::Value << (this->*m ? "true" : "false");
          } else if constexpr (std::is_same_v<T, std::string>) {
            out << YAML::Key << spec.name << YAML::Value << YAML::DoubleQuoted << this->*m;
          } else if constexpr (std::is_same_v<T, double>) {
            out << YAML::Key << spec.name << YAML::Value << number_text(this->*m);
          } else {
            out << YAML::Key << spec.name << YAML::Value << std::to_string(this->*m);
          }
        },
        spec.member);
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void apply_options_file(Options& o, const std::string& path) {
  CLI::App app;
  add_options(&app, o, kRunOptions);
  YamlConfig yaml;
  apply_config(app, yaml.read_file(path), yaml, path);
}

void apply_options_text(Options& o, const std::string& text, const std::string& file) {
  CLI::App app;
  add_options(&app, o, kRunOptions);
  YamlConfig yaml;
  apply_config(app, yaml.read_text(text, file), yaml, file);
}

bool Options::operator==(const Options& o) const {
  bool same = true;
  for (const OptionSpec& spec : option_specs())
    std::visit([&](auto Options::*m) { same = same && this->*m == o.*m; }, spec.member);
  return same;
}

std::ostream& operator<<(std::ostream& os, const Options& o) {
  for (const OptionSpec& spec : option_specs()) {
    std::visit(
        [&](auto Options::*m) {
          using T = std::decay_t<decltype(o.*m)>;
          os << spec.flag() << ' ';
          if constexpr (std::is_same_v<T, std::map<std::string, double>> || std::is_same_v<T, std::map<std::string, int>>) {
            std::string items;
            for (const auto& [k, v] : o.*m) items += (items.empty() ? "" : ",") + k + "=" + number_text(double(v));
            os << (items.empty() ? "(none)" : items);
          } else if constexpr (std::is_same_v<T, bool>) {
            os << (o.*m ? "true" : "false");
          } else {
            os << o.*m;
          }
          os << '\n';
        },
        spec.member);
  }
  return os;
}

}  // namespace slq::tb
