// Command-line infrastructure shared by every slqsim subcommand: logging, YAML config files,
// the exit-code contract (0 ok, 2 bad input, 1 internal error), atomic report writes,
// progress with an ETA, and Ctrl-C handling. Conventions are described in docs/cli.md.
#pragma once
#include <sys/types.h>
#include <CLI/CLI.hpp>

#include "models/interrupt.h"

#include <chrono>
#include <cstddef>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace slq {

// ---- logging ---------------------------------------------------------------------------
// Levels accepted by --log-level (and setup_logging).
const std::vector<std::string>& log_level_names();  // trace debug info warn error critical off

// Makes spdlog's default logger write "[slqsim] [info] message" lines to stderr at `level`.
// Throws InputError for an unknown level name. Safe to call again to change the level.
void setup_logging(const std::string& level);

// Global logging flags: -v (debug), -vv (trace), -q (warnings and errors only),
// --log-level NAME (wins over -v/-q).
struct LogOptions {
  std::string level;   // empty: derived from verbosity / quiet
  int verbosity = 0;   // number of -v
  bool quiet = false;  // -q
  std::string effective_level() const;
};
void add_logging_options(CLI::App& app, LogOptions& options);

// Routes SystemC reports into spdlog, stamped with the simulated time: info -> debug,
// warning -> warn. Errors and fatals throw the sc_core::sc_report (fatals too, instead of
// abort()); sc_start() passes it on and run_cli prints it on one line and exits 1.
// Also sets SYSTEMC_DISABLE_COPYRIGHT_MESSAGE unless the user set it, which only helps if
// called before the SystemC kernel starts.
void route_systemc_reports();

// ---- YAML config files -----------------------------------------------------------------
// A CLI11 config formatter for YAML. Nested maps are subcommands (ConfigItem::parents),
// sequences are multiple values, scalars single values; a key is an option's long name
// without dashes ("lanes" for --lanes), a positional's name, or a one-letter short name.
class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  // Errors (bad YAML, non-scalar values) throw InputError naming "config" as the file.
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

  // Reads `path`; errors throw InputError(path, "line L, column C", reason).
  std::vector<CLI::ConfigItem> read_file(const std::string& path) const;
  // Reads YAML text; errors name `file`.
  std::vector<CLI::ConfigItem> read_text(const std::string& text, const std::string& file) const;
  // "line L, column C" of an item returned by the last read, "" if unknown.
  std::string position_of(const CLI::ConfigItem& item) const;

 private:
  std::vector<CLI::ConfigItem> parse(std::istream& input, const std::string& file) const;
  mutable std::map<std::string, std::string> positions_;  // fullname -> position
};

// Adds `--config FILE.yaml` to `app` (the main app or a subcommand). The file's values fill
// only the options not given on the command line, so flags override the file. An unknown
// key, a value an option's parser rejects (a type error, a malformed LAYER=VALUE item), or bad
// YAML throws InputError naming the file, the line and column, and the reason. Ranges are
// checked later, once all values are in (tb::Options::validate), and name the flag. Also makes
// app.config_to_str() write YAML.
CLI::Option* add_config_option(CLI::App& app);

// Applies config items to `app` as add_config_option does (exposed for tests and tools).
void apply_config(CLI::App& app, const std::vector<CLI::ConfigItem>& items,
                  const YamlConfig& yaml, const std::string& file);

// ---- flag validators ---------------------------------------------------------------------
// For ->check(...) on an option; each failure is a CLI::ValidationError (exit 2) naming the
// flag, and runs for values from a config file too.
//   non_negative(): a count or seed of an unsigned type; CLI11 2.1 would wrap "-1" to 2^64 - 1.
//   output_file():  a file to write: not empty, not an existing directory.
//   output_dir():   a directory to write into: not empty (which would mean the filesystem root).
CLI::Validator non_negative();
CLI::Validator output_file();
CLI::Validator output_dir();

// ---- running ---------------------------------------------------------------------------
// Parses argv and runs the selected subcommand's callback. Returns the exit code:
//   0 success, and for --help / --version (printed to stdout);
//   2 bad flags (CLI::ParseError) or slq::InputError, with a one-line message on stderr;
//   130 after Ctrl-C (slq::Interrupted);
//   1 a SystemC error report or any other exception (internal error).
int run_cli(CLI::App& app, int argc, char** argv);

// ---- files -----------------------------------------------------------------------------
// Writes `bytes` to a temporary file next to `path`, then renames it over `path`, so readers
// never see a half-written report. Creates missing parent directories. Throws InputError
// naming `path` if the directory or file cannot be written.
void write_file_atomic(const std::string& path, const std::string& bytes);

// "1:05" or "1:02:03": a duration for messages (ETAs).
std::string format_duration(long long seconds);

// ---- progress --------------------------------------------------------------------------
// "label  123/1000 images  12.3%  ETA 0:42" on one self-overwriting stderr line. Shown only
// once the task has run longer than `show_after`, redrawn at most 4 times a second, ended
// with a newline by finish() (or the destructor). Silent when disabled. Not thread-safe.
class Progress {
 public:
  Progress(std::string label, std::size_t total, std::string unit = "images",
           bool enabled = default_enabled(), std::ostream& out = std::cerr,
           std::chrono::milliseconds show_after = std::chrono::seconds(2));
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::size_t done);
  void finish();

  // True when stderr is a terminal and the log level shows info messages.
  static bool default_enabled();

 private:
  using Clock = std::chrono::steady_clock;
  void draw(Clock::time_point now);

  std::string label_, unit_;
  std::size_t total_, done_ = 0;
  bool enabled_, drawn_ = false, finished_ = false;
  std::ostream& out_;
  std::chrono::milliseconds show_after_;
  Clock::time_point start_, last_draw_;
  std::size_t last_width_ = 0;
};

// ---- interrupts ------------------------------------------------------------------------
// SIGINT/SIGTERM count in models/interrupt.h, which long loops poll with interrupted(); a
// second signal exits at once with 128 + signal number (130 for Ctrl-C).
void install_interrupt_handler();
// A worker process that a second interrupt kills along with this one (the first is passed on to it
// by its parent, which waits for it to write what it finished).
void register_child(pid_t pid);
void unregister_child(pid_t pid);

}  // namespace slq
