#include "tb/app/cli.h"
#include "tb/app/yaml_file.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <systemc>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include "models/errors.h"

namespace slq {

// ---- logging ---------------------------------------------------------------------------

const std::vector<std::string>& log_level_names() {
  static const std::vector<std::string> names{"trace", "debug", "info", "warn",
                                              "error", "critical", "off"};
  return names;
}

void setup_logging(const std::string& level) {
  static const std::map<std::string, spdlog::level::level_enum> levels{
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
      {"critical", spdlog::level::critical}, {"off", spdlog::level::off}};
  auto found = levels.find(level);
  if (found == levels.end()) {
    throw InputError("--log-level", "", "unknown level '" + level +
                                            "' (trace, debug, info, warn, error, critical, off)");
  }
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto made = std::make_shared<spdlog::logger>(
        "slqsim", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    made->set_pattern("[slqsim] [%^%l%$] %v");
    return made;
  }();
  logger->set_level(found->second);
  spdlog::set_default_logger(logger);
}

std::string LogOptions::effective_level() const {
  if (!level.empty()) return level;
  if (quiet) return "warn";
  if (verbosity >= 2) return "trace";
  return verbosity == 1 ? "debug" : "info";
}

void add_logging_options(CLI::App& app, LogOptions& options) {
  auto* verbose = app.add_flag("-v,--verbose", options.verbosity,
                               "More log output on stderr: -v debug, -vv trace");
  auto* quiet = app.add_flag("-q,--quiet", options.quiet, "Only warnings and errors on stderr");
  verbose->excludes(quiet);
  app.add_option("--log-level", options.level, "Log level (overrides -v/-q)")
      ->check(CLI::IsMember(log_level_names()))
      ->type_name("LEVEL");
}

namespace {

// "@5 ns slqsim/hw: bad thing", plus " (file:line, in top.decoder.run)" when asked.
std::string describe(const sc_core::sc_report& report, bool with_origin) {
  std::string text = "@" + report.get_time().to_string() + " " + report.get_msg_type();
  if (*report.get_msg()) text += ": " + std::string(report.get_msg());
  if (with_origin) {
    text += " (" + std::string(report.get_file_name()) + ":" +
            std::to_string(report.get_line_number());
    if (report.get_process_name() && *report.get_process_name()) {
      text += ", in " + std::string(report.get_process_name());
    }
    text += ")";
  }
  return text;
}

void forward_systemc_report(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
  using namespace sc_core;
  if (actions & SC_DO_NOTHING) return;
  // Errors and fatals are thrown as the sc_report itself, as SystemC's default handler
  // does: the kernel relies on catching sc_report (an exception escaping a thread process
  // is turned into one), and sc_start() rethrows it to run_cli, which prints it once.
  // Fatals throw too, instead of abort(), so the CLI edge can exit 1 with a message.
  if (report.get_severity() >= SC_ERROR && (actions & (SC_THROW | SC_ABORT))) throw report;
  if (actions & (SC_LOG | SC_DISPLAY)) {
    const std::string text = describe(report, report.get_severity() >= SC_ERROR);
    switch (report.get_severity()) {
      case SC_INFO: spdlog::debug("{}", text); break;  // kernel chatter (stop, trace time unit): -v shows it
      case SC_WARNING: spdlog::warn("{}", text); break;
      default: spdlog::error("{}", text); break;
    }
  }
  if (actions & SC_STOP) sc_stop();
}

}  // namespace

void route_systemc_reports() {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", /*overwrite=*/0);
  sc_core::sc_report_handler::set_handler(forward_systemc_report);
}

// ---- YAML config files -----------------------------------------------------------------

namespace {

std::string position(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

// Config files are flat, or one level of subcommand sections: deeper nesting is a mistake or an attack.
constexpr int kMaxConfigDepth = 32;

// Checks a config file's YAML events before it is built into nodes: no anchors or aliases
// (yaml-cpp shares an aliased node, so a self-referencing alias makes the node graph a cycle
// and nested aliases expand exponentially, "billion laughs") and no nesting deeper than
// kMaxConfigDepth (yaml-cpp's own limit, 2000, reports only "bad file"). Throws InputError
// at the first offending event, so the parser never goes deeper.
class ConfigEventCheck : public YAML::EventHandler {
 public:
  explicit ConfigEventCheck(const std::string& file) : file_(file) {}
  void OnDocumentStart(const YAML::Mark&) override { depth_ = 0; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { check_anchor(mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw InputError(file_, position(mark), "YAML aliases (*name) are not supported in config files");
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    check_anchor(mark, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { --depth_; }
  void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
    throw InputError(file_, position(mark), "YAML anchors (&" + name + ") are not supported in config files");
  }

 private:
  void check_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) const {
    if (anchor != YAML::NullAnchor)
      throw InputError(file_, position(mark), "YAML anchors (&name) are not supported in config files");
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    check_anchor(mark, anchor);
    if (++depth_ > kMaxConfigDepth)
      throw InputError(file_, position(mark),
                       "nested deeper than " + std::to_string(kMaxConfigDepth) + " levels of lists and maps");
  }
  const std::string& file_;
  int depth_ = 0;
};

// Flattens a YAML map into config items; nested maps become parents (subcommands).
void flatten(const YAML::Node& map, const std::vector<std::string>& parents,
             const std::string& file, std::vector<CLI::ConfigItem>& items,
             std::map<std::string, std::string>& positions) {
  std::map<std::string, YAML::Mark> seen;  // key -> where it was first set in this map
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    if (!key.IsScalar()) throw InputError(file, position(key.Mark()), "a key must be a plain name");
    const auto [first, is_new] = seen.emplace(key.Scalar(), key.Mark());
    if (!is_new)
      throw InputError(file, position(key.Mark()),
                       "duplicate key '" + key.Scalar() + "' (first set on " + position(first->second) + ")");
    CLI::ConfigItem item;
    item.parents = parents;
    item.name = key.Scalar();
    if (value.IsMap()) {
      std::vector<std::string> inner = parents;
      inner.push_back(item.name);
      flatten(value, inner, file, items, positions);
      continue;
    }
    if (value.IsScalar()) {
      item.inputs.push_back(value.Scalar());
    } else if (value.IsSequence()) {
      for (const auto& element : value) {
        if (!element.IsScalar()) {
          throw InputError(file, position(element.Mark()),
                           "'" + item.fullname() + "' must be a list of plain values");
        }
        item.inputs.push_back(element.Scalar());
      }
    } else {
      throw InputError(file, position(key.Mark()), "'" + item.fullname() + "' has no value");
    }
    positions[item.fullname()] = position(key.Mark());
    items.push_back(std::move(item));
  }
}

// The YAML map for one app: its configurable options with values, and a nested map per
// named subcommand that has any. Option groups (unnamed subcommands) share the parent's map.
YAML::Node config_node(const CLI::App& app, bool default_also) {
  YAML::Node node(YAML::NodeType::Map);
  for (const CLI::Option* option : app.get_options({})) {
    if (!option->get_configurable()) continue;
    std::vector<std::string> values = option->reduced_results();
    if (values.empty() && default_also) {
      if (!option->get_default_str().empty()) {
        values = {option->get_default_str()};
      } else if (option->get_expected_min() == 0) {
        values = {"false"};
      }
    }
    if (values.empty()) continue;
    const std::string& key = option->get_single_name();
    if (values.size() == 1 && option->get_expected_max() <= 1) {
      node[key] = values.front();
    } else {
      for (const auto& value : values) node[key].push_back(value);
    }
  }
  for (const CLI::App* sub : app.get_subcommands({})) {
    YAML::Node child = config_node(*sub, default_also);
    if (sub->get_name().empty()) {
      for (const auto& entry : child) node[entry.first.Scalar()] = entry.second;
    } else if (child.size() > 0) {
      node[sub->get_name()] = child;
    }
  }
  return node;
}

CLI::App* find_subcommand(CLI::App& app, const std::string& name) {
  auto found = app.get_subcommands([&](CLI::App* sub) { return sub->check_name(name); });
  return found.empty() ? nullptr : found.front();
}

CLI::Option* find_option(CLI::App& app, const std::string& key) {
  CLI::Option* option = app.get_option_no_throw("--" + key);
  if (option == nullptr && key.size() == 1) option = app.get_option_no_throw("-" + key);
  if (option == nullptr) option = app.get_option_no_throw(key);  // a positional's name
  return option;
}

}  // namespace

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool write_description,
                                  std::string /*prefix*/) const {
  YAML::Emitter out;
  if (write_description && !app->get_description().empty()) {
    out << YAML::Comment(app->get_description()) << YAML::Newline;
  }
  out << config_node(*app, default_also);
  return std::string(out.c_str()) + "\n";
}

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  return parse(input, "config");
}

std::vector<CLI::ConfigItem> YamlConfig::read_file(const std::string& path) const {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw InputError(path, "", "cannot read config file: it is a directory");
  std::ifstream input(path);
  if (!input) throw InputError(path, "", std::string("cannot read config file: ") + std::strerror(errno));
  return parse(input, path);
}

std::vector<CLI::ConfigItem> YamlConfig::read_text(const std::string& text, const std::string& file) const {
  std::istringstream input(text);
  return parse(input, file);
}

std::string YamlConfig::position_of(const CLI::ConfigItem& item) const {
  auto found = positions_.find(item.fullname());
  return found == positions_.end() ? "" : found->second;
}

YAML::Node parse_yaml_text(const std::string& text, const std::string& file) {
  try {
    {
      std::istringstream events(text);
      YAML::Parser parser(events);
      ConfigEventCheck check(file);
      // One document. (yaml-cpp 0.7 can also report an endless run of empty documents after
      // some malformed input, so the parser is never asked for more than two.)
      if (parser.HandleNextDocument(check) && parser.HandleNextDocument(check))
        throw InputError(file, "", "more than one YAML document (a file holds one map of options)");
    }
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(file, position(e.mark), "invalid YAML: " + e.msg);
  }
}

YAML::Node read_yaml_file(const std::string& path, std::string* bytes) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw InputError(path, "", "cannot read: it is a directory");
  std::ifstream input(path, std::ios::binary);
  if (!input) throw InputError(path, "", std::string("cannot read: ") + std::strerror(errno));
  std::string text;
  try {
    text.assign(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    throw InputError(path, "", std::string("cannot read: ") + e.what());
  }
  if (input.bad()) throw InputError(path, "", "cannot read");
  if (bytes) *bytes = text;
  return parse_yaml_text(text, path);
}

std::string yaml_position(const YAML::Mark& mark) { return position(mark); }

std::vector<CLI::ConfigItem> YamlConfig::parse(std::istream& input, const std::string& file) const {
  positions_.clear();
  std::string text;
  try {  // a stream that cannot be read (e.g. a directory) throws from the read, or sets badbit
    text.assign(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    throw InputError(file, "", std::string("cannot read config file: ") + e.what());
  }
  if (input.bad()) throw InputError(file, "", "cannot read config file");
  const YAML::Node root = parse_yaml_text(text, file);
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;  // an empty file sets nothing
  if (!root.IsMap()) {
    throw InputError(file, position(root.Mark()), "expected a map of 'option: value' lines");
  }
  flatten(root, {}, file, items, positions_);
  return items;
}

void apply_config(CLI::App& app, const std::vector<CLI::ConfigItem>& items,
                  const YamlConfig& yaml, const std::string& file) {
  // Map options (KEY=VALUE items) take one item per map entry: whether the command line set one
  // is decided once, before the file adds to it.
  std::map<const CLI::Option*, bool> map_from_command_line;
  for (const CLI::ConfigItem& item : items) {
    const std::string where = yaml.position_of(item);
    CLI::App* target = &app;
    CLI::Option* option = nullptr;
    for (size_t k = 0; k < item.parents.size(); ++k) {
      const std::string& parent = item.parents[k];
      CLI::App* sub = find_subcommand(*target, parent);
      // A map under an option that takes KEY=VALUE items (e.g. per-layer values): one item each.
      CLI::Option* map_option = sub == nullptr && k + 1 == item.parents.size() ? find_option(*target, parent) : nullptr;
      if (map_option != nullptr && map_option->get_type_name() == "LAYER=VALUE") {
        option = map_option;
        break;
      }
      if (sub == nullptr) throw InputError(file, where, "unknown section '" + parent + "'");
      target = sub;
    }
    if (option != nullptr) {
      const bool from_command_line = map_from_command_line.emplace(option, option->count() > 0).first->second;
      if (from_command_line) continue;  // given on the command line: the flag wins
      if (item.inputs.size() != 1) throw InputError(file, where, "expected one value for '" + item.fullname() + "'");
      try {
        option->add_result(item.name + "=" + item.inputs.front());
        option->run_callback();
      } catch (const CLI::ParseError& e) {
        throw InputError(file, where, e.what());
      } catch (const InputError& e) {
        throw InputError(file, where, e.where() + ": " + e.reason());
      }
      continue;
    }
    option = find_option(*target, item.name);
    if (option == nullptr) throw InputError(file, where, "unknown option '" + item.fullname() + "'");
    if (!option->get_configurable()) {
      throw InputError(file, where, "'" + item.fullname() + "' cannot be set in a config file");
    }
    if (option->count() > 0) continue;  // given on the command line: the flag wins
    try {
      if (option->get_expected_min() == 0) {  // a flag: "true", "false" or a count
        for (const auto& input : item.inputs) option->add_result(option->get_flag_value(item.name, input));
      } else {
        option->add_result(item.inputs);
      }
      option->run_callback();
    } catch (const CLI::ParseError& e) {
      throw InputError(file, where, e.what());
    }
  }
}

CLI::Option* add_config_option(CLI::App& app) {
  auto yaml = std::make_shared<YamlConfig>();
  app.config_formatter(yaml);
  // CLI11 2.1 reads config files only for the main app, so the file is applied by this
  // option's callback. It runs after the command line is parsed and before requirements
  // are checked, so required options may come from the file.
  CLI::Option* option = app.add_option_function<std::string>(
      "--config",
      [&app, yaml](const std::string& path) { apply_config(app, yaml->read_file(path), *yaml, path); },
      "Read options from a YAML file; flags on the command line override it");
  return option->type_name("FILE.yaml")->configurable(false);
}

// ---- flag validators ---------------------------------------------------------------------

CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const auto first = value.find_first_not_of(" \t");
        if (first != std::string::npos && value[first] == '-') return "must not be negative, got " + value;
        return "";
      },
      "");
}

CLI::Validator output_file() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (value.empty()) return "an empty path is not allowed";
        std::error_code ignored;
        if (std::filesystem::is_directory(value, ignored)) return "'" + value + "' is a directory; expected a file";
        return "";
      },
      "");
}

CLI::Validator output_dir() {
  return CLI::Validator(
      [](std::string& value) -> std::string { return value.empty() ? "an empty path is not allowed" : ""; }, "");
}

// ---- running ---------------------------------------------------------------------------

namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// "slqsim run" for the deepest selected subcommand, for the --help hint.
std::string command_path(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* current = &app;
  while (!current->get_subcommands().empty()) {
    current = current->get_subcommands().front();
    path += " " + current->get_name();
  }
  return path;
}

}  // namespace

int run_cli(CLI::App& app, int argc, char** argv) {
  const std::string name = app.get_name().empty() ? "slqsim" : app.get_name();
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {  // a command asked for a specific exit code
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    std::string message = one_line(e.what());
    // CLI11 checks "a subcommand is required" before reporting the word it did not know.
    const auto left_over = app.remaining();
    if (app.get_subcommands().empty() && !left_over.empty() && left_over.front()[0] != '-') {
      message = "unknown subcommand '" + left_over.front() + "'";
    }
    std::cerr << name << ": error: " << message << " (see '" << command_path(app) << " --help')"
              << std::endl;
    return 2;
  } catch (const InputError& e) {
    std::cerr << name << ": error: " << one_line(e.what()) << std::endl;
    return 2;
  } catch (const Interrupted&) {
    std::cerr << name << ": interrupted" << std::endl;
    return 130;
  } catch (const sc_core::sc_report& e) {
    std::cerr << name << ": internal error: SystemC " << describe(e, true) << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << name << ": internal error: " << e.what() << std::endl;
    return 1;
  }
}

// ---- files -----------------------------------------------------------------------------

void write_file_atomic(const std::string& path, const std::string& bytes) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code error;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), error);
    if (error) {
      throw InputError(path, "", "cannot create directory " + target.parent_path().string() + ": " +
                                     error.message());
    }
  }
  // Unique per process and call, in the same directory so rename() is atomic.
  static std::atomic<unsigned> counter{0};
  fs::path temp = target;
  temp += ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path, "", std::string("cannot write: ") + std::strerror(errno));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      fs::remove(temp, error);
      throw InputError(path, "", "write failed (disk full?)");
    }
  }
  fs::rename(temp, target, error);
  if (error) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw InputError(path, "", "cannot replace file: " + error.message());
  }
}

// ---- progress --------------------------------------------------------------------------

std::string format_duration(long long seconds) {
  char text[32];
  if (seconds >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", seconds / 3600, seconds / 60 % 60,
                  seconds % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", seconds / 60, seconds % 60);
  }
  return text;
}

Progress::Progress(std::string label, std::size_t total, std::string unit, bool enabled,
                   std::ostream& out, std::chrono::milliseconds show_after)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), enabled_(enabled),
      out_(out), show_after_(show_after), start_(Clock::now()) {}

Progress::~Progress() { finish(); }

bool Progress::default_enabled() {
  return isatty(STDERR_FILENO) && spdlog::should_log(spdlog::level::info);
}

void Progress::update(std::size_t done) {
  done_ = done;
  if (!enabled_ || finished_) return;
  const auto now = Clock::now();
  if (now - start_ < show_after_) return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(250)) return;
  draw(now);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!drawn_) return;  // never shown: short tasks leave no trace
  draw(Clock::now());
  out_ << '\n' << std::flush;
}

void Progress::draw(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  char percent[16];
  std::snprintf(percent, sizeof percent, "%.1f%%",
                total_ == 0 ? 100.0 : 100.0 * static_cast<double>(done_) / static_cast<double>(total_));
  std::string eta = "--:--";
  if (done_ > 0 && done_ <= total_) {
    const double remaining = elapsed * static_cast<double>(total_ - done_) / static_cast<double>(done_);
    eta = format_duration(static_cast<long long>(remaining + 0.5));
  }
  std::string line = label_ + "  " + std::to_string(done_) + "/" + std::to_string(total_) + " " +
                     unit_ + "  " + percent + "  ETA " + eta;
  const std::size_t width = line.size();
  if (width < last_width_) line.append(last_width_ - width, ' ');  // erase a longer old line
  out_ << '\r' << line << std::flush;
  last_width_ = width;
  last_draw_ = now;
  drawn_ = true;
}

// ---- interrupts ------------------------------------------------------------------------

namespace {

// Worker processes (run --jobs, sweep) that a second Ctrl-C takes down with this one.
constexpr int kMaxChildren = 1024;
std::atomic<pid_t> children[kMaxChildren];

extern "C" void on_interrupt(int signal_number) {
  if (interrupt_counter().fetch_add(1) > 0) {
    for (auto& child : children) {
      const pid_t pid = child.load();
      if (pid > 0) kill(pid, SIGKILL);  // async-signal-safe
    }
    _exit(128 + signal_number);
  }
  static const char message[] =
      "\nslqsim: interrupted; stopping after the current step (press Ctrl-C again to quit now)\n";
  ssize_t written = write(STDERR_FILENO, message, sizeof message - 1);
  (void)written;
}

}  // namespace

void register_child(pid_t pid) {
  for (auto& child : children) {
    pid_t empty = 0;
    if (child.compare_exchange_strong(empty, pid)) return;
  }
}

void unregister_child(pid_t pid) {
  for (auto& child : children) {
    pid_t mine = pid;
    if (child.compare_exchange_strong(mine, 0)) return;
  }
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace slq
