// Tests of the command-line infrastructure (tb/app/cli.h) and of the slqsim binary's exit codes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>
#include <systemc>

#include "models/errors.h"
#include "tb/app/cli.h"

namespace fs = std::filesystem;

namespace {

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("slqsim_test_cli_" + std::to_string(getpid()) + "_" + test->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name, const std::string& content = "") const {
    std::string full = (path_ / name).string();
    if (!content.empty()) std::ofstream(full) << content;
    return full;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses `args` (without the program name) with app.parse(argc, argv).
void parse(CLI::App& app, std::vector<std::string> args) {
  args.insert(args.begin(), "slqsim");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
}

int run(CLI::App& app, std::vector<std::string> args) {
  args.insert(args.begin(), "slqsim");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return slq::run_cli(app, static_cast<int>(argv.size()), argv.data());
}

// A small command line in the shape of slqsim's: a global flag, a `run` subcommand.
struct TestCommand {
  CLI::App app{"test", "slqsim"};
  CLI::App* sub = nullptr;
  int lanes = 16;
  int images = 1;
  bool fast = false;
  bool verbose = false;
  std::string model;
  std::vector<std::string> encodings;

  TestCommand() {
    app.add_flag("--verbose", verbose);
    sub = app.add_subcommand("run", "simulate");
    sub->add_option("--lanes", lanes);
    sub->add_option("--images", images);
    sub->add_option("--model", model);
    sub->add_option("--encodings", encodings)->delimiter(',');
    sub->add_flag("--fast", fast);
  }
};

}  // namespace

TEST(YamlConfig, FlagsOverrideTheFileAndListsGiveManyValues) {
  TempDir dir;
  const std::string config = dir.file("run.yaml",
                                      "# a run\n"
                                      "lanes: 8\n"
                                      "images: 100\n"
                                      "encodings: [tag, special, lq]\n"
                                      "fast: true\n");
  TestCommand command;
  slq::add_config_option(*command.sub);
  parse(command.app, {"run", "--config", config, "--lanes", "4"});
  EXPECT_EQ(command.lanes, 4);  // the flag wins
  EXPECT_EQ(command.images, 100);
  EXPECT_EQ(command.encodings, (std::vector<std::string>{"tag", "special", "lq"}));
  EXPECT_TRUE(command.fast);
}

TEST(YamlConfig, NestedMapsAreSubcommandSections) {
  TempDir dir;
  const std::string config = dir.file("all.yaml",
                                      "verbose: true\n"
                                      "run:\n"
                                      "  lanes: 32\n"
                                      "  encodings:\n"
                                      "    - tag\n"
                                      "    - linear\n");
  TestCommand command;
  slq::add_config_option(command.app);
  parse(command.app, {"--config", config, "run", "--images", "7"});
  EXPECT_TRUE(command.verbose);
  EXPECT_EQ(command.lanes, 32);
  EXPECT_EQ(command.images, 7);
  EXPECT_EQ(command.encodings, (std::vector<std::string>{"tag", "linear"}));
}

TEST(YamlConfig, RoundTripThroughConfigToStr) {
  TempDir dir;
  TestCommand first;
  slq::add_config_option(first.app);
  parse(first.app, {"--verbose", "run", "--lanes", "64", "--model", "net.onnx", "--encodings",
                    "tag,lq", "--fast"});
  const std::string yaml = first.app.config_to_str(false, true);
  EXPECT_NE(yaml.find("run:"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("lanes: 64"), std::string::npos) << yaml;

  TestCommand second;
  slq::add_config_option(second.app);
  parse(second.app, {"--config", dir.file("saved.yaml", yaml), "run"});
  EXPECT_TRUE(second.verbose);
  EXPECT_EQ(second.lanes, 64);
  EXPECT_EQ(second.model, "net.onnx");
  EXPECT_EQ(second.encodings, (std::vector<std::string>{"tag", "lq"}));
  EXPECT_TRUE(second.fast);
  EXPECT_EQ(second.images, 1);  // not saved, not set
}

TEST(YamlConfig, RequiredOptionMayComeFromTheFile) {
  TempDir dir;
  TestCommand command;
  command.sub->get_option("--model")->required();
  slq::add_config_option(*command.sub);
  parse(command.app, {"run", "--config", dir.file("model.yaml", "model: lenet.onnx\n")});
  EXPECT_EQ(command.model, "lenet.onnx");
  TestCommand without_file;
  without_file.sub->get_option("--model")->required();
  EXPECT_THROW(parse(without_file.app, {"run"}), CLI::RequiredError);
}

TEST(YamlConfig, BadYamlNamesFileLineAndColumn) {
  TempDir dir;
  const std::string config = dir.file("bad.yaml", "lanes: 8\nencodings: [tag, lq\nimages: 3\n");
  TestCommand command;
  slq::add_config_option(*command.sub);
  try {
    parse(command.app, {"run", "--config", config});
    FAIL() << "bad YAML was accepted";
  } catch (const slq::InputError& e) {
    EXPECT_EQ(e.where(), config);
    EXPECT_NE(e.position().find("line 3"), std::string::npos) << e.what();
    EXPECT_NE(e.position().find("column"), std::string::npos) << e.what();
    EXPECT_FALSE(e.reason().empty());
  }
}

TEST(YamlConfig, UnknownKeyIsRejectedByName) {
  TempDir dir;
  const std::string config = dir.file("typo.yaml", "lanes: 8\nimgaes: 3\n");
  TestCommand command;
  slq::add_config_option(*command.sub);
  try {
    parse(command.app, {"run", "--config", config});
    FAIL() << "unknown key was accepted";
  } catch (const slq::InputError& e) {
    EXPECT_EQ(e.where(), config);
    EXPECT_EQ(e.position(), "line 2, column 1");
    EXPECT_NE(e.reason().find("imgaes"), std::string::npos) << e.what();
  }
}

TEST(YamlConfig, BadValueNamesFileAndKeyPosition) {
  TempDir dir;
  const std::string config = dir.file("value.yaml", "lanes: many\n");
  TestCommand command;
  slq::add_config_option(*command.sub);
  try {
    parse(command.app, {"run", "--config", config});
    FAIL() << "a non-integer lane count was accepted";
  } catch (const slq::InputError& e) {
    EXPECT_EQ(e.where(), config);
    EXPECT_EQ(e.position(), "line 1, column 1");
  }
}

TEST(YamlConfig, MissingFileIsAnInputError) {
  TestCommand command;
  slq::add_config_option(*command.sub);
  EXPECT_THROW(parse(command.app, {"run", "--config", "/nonexistent/run.yaml"}), slq::InputError);
}

// Parses a config file for TestCommand's `run`; the InputError it throws, if any.
std::optional<slq::InputError> config_error(const std::string& config) {
  TestCommand command;
  slq::add_config_option(*command.sub);
  try {
    parse(command.app, {"run", "--config", config});
  } catch (const slq::InputError& e) {
    return e;
  }
  return std::nullopt;
}

// A self-referencing alias overflowed the stack; nested aliases ("billion laughs") ran for
// minutes and took gigabytes. Anchors and aliases are refused before any node is built.
TEST(YamlConfig, AnchorsAndAliasesAreRejected) {
  TempDir dir;
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b', prev = 'a'; c <= 'm'; prev = c++) {
    laughs += std::string(1, c) + ": &" + c + " [";
    for (int k = 0; k < 9; ++k) laughs += std::string(k ? ", *" : "*") + prev;
    laughs += "]\n";
  }
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"x: &x {b: *x}\n", "line 1, column 4", "anchors (&x)"},
      {laughs, "line 1, column 4", "anchors (&a)"},
      {"lanes: 8\nimages: &n 3\n", "line 2, column 9", "not supported"},
      {"base: &base {lanes: 8}\nrun:\n  <<: *base\n", "line 1, column 7", "anchors (&base)"},
      {"lanes: *n\n", "line 1, column 8", "anchor"},  // an alias of nothing
      {"images: !!int &n 3\n", "line 1", "anchors (&n)"},
  };
  for (const auto& [text, where, reason] : cases) {
    const std::string config = dir.file("alias.yaml", text);
    const auto e = config_error(config);
    ASSERT_TRUE(e.has_value()) << text;
    EXPECT_EQ(e->where(), config);
    EXPECT_EQ(e->position().rfind(where, 0), 0u) << text << ": " << e->what();
    EXPECT_NE(e->reason().find(reason), std::string::npos) << text << ": " << e->what();
  }
}

// yaml-cpp's own depth limit (2000) says only "bad file"; config files are nearly flat.
TEST(YamlConfig, DeepNestingIsRejected) {
  TempDir dir;
  for (int depth : {33, 1000, 200000}) {
    const std::string config =
        dir.file("deep.yaml", "encodings: " + std::string(size_t(depth), '[') + std::string(size_t(depth), ']') + "\n");
    const auto e = config_error(config);
    ASSERT_TRUE(e.has_value()) << depth;
    EXPECT_EQ(e->position(), "line 1, column 43") << e->what();
    EXPECT_NE(e->reason().find("nested deeper than 32 levels"), std::string::npos) << e->what();
  }
  std::string maps = "run: ";  // nested block maps are counted the same way
  for (int i = 0; i < 40; ++i) maps += "{a" + std::to_string(i) + ": ";
  maps += "1" + std::string(40, '}') + "\n";
  const auto e = config_error(dir.file("maps.yaml", maps));
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->reason().find("nested deeper"), std::string::npos) << e->what();
  // Within the limit, nesting is an ordinary error (a list of lists), not a depth error.
  const auto shallow = config_error(dir.file("shallow.yaml", "encodings: [[[tag]]]\n"));
  ASSERT_TRUE(shallow.has_value());
  EXPECT_NE(shallow->reason().find("plain values"), std::string::npos) << shallow->what();
}

TEST(YamlConfig, DuplicateKeysAreRejected) {
  TempDir dir;
  const std::string config = dir.file("dup.yaml", "lanes: 8\nimages: 3\nlanes: 4\n");
  const auto e = config_error(config);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->where(), config);
  EXPECT_EQ(e->position(), "line 3, column 1");
  EXPECT_EQ(e->reason(), "duplicate key 'lanes' (first set on line 1, column 1)");
  const auto section = config_error(dir.file("dup_section.yaml", "run:\n  lanes: 8\nrun:\n  images: 3\n"));
  ASSERT_TRUE(section.has_value());
  EXPECT_EQ(section->position(), "line 3, column 1");
  EXPECT_NE(section->reason().find("duplicate key 'run'"), std::string::npos) << section->what();
  const auto inner = config_error(dir.file("dup_inner.yaml", "run: {lanes: 8, lanes: 4}\n"));
  ASSERT_TRUE(inner.has_value());
  EXPECT_NE(inner->reason().find("duplicate key 'lanes'"), std::string::npos) << inner->what();
  // The same key in different sections is no duplicate.
  TestCommand command;
  slq::add_config_option(command.app);
  parse(command.app, {"--config", dir.file("sections.yaml", "verbose: true\nrun: {lanes: 8}\n"), "run"});
  EXPECT_EQ(command.lanes, 8);
}

// yaml-cpp reports an endless run of empty documents after some malformed input (found by the
// fuzz target: fuzz/corpus/yaml/regress_endless_documents): the reader asks for two documents at
// most, so a file is one document or an error, never a hang.
TEST(YamlConfig, OneDocumentAndNeverAnEndlessRun) {
  TempDir dir;
  const std::string endless = read_text(std::string(SLQSIM_SOURCE_DIR) + "/fuzz/corpus/yaml/regress_endless_documents");
  ASSERT_FALSE(endless.empty());
  const auto e = config_error(dir.file("endless.yaml", endless));
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->reason().find("more than one YAML document"), std::string::npos) << e->what();
  const auto two = config_error(dir.file("two.yaml", "lanes: 8\n---\nlanes: 4\n"));
  ASSERT_TRUE(two.has_value());
  EXPECT_NE(two->reason().find("more than one YAML document"), std::string::npos) << two->what();
  const auto one = config_error(dir.file("one.yaml", "---\nlanes: 8\n"));
  EXPECT_FALSE(one.has_value()) << one->what();
}

// A directory was read until the C++ library threw (exit 1).
TEST(YamlConfig, DirectoryIsAnInputError) {
  TempDir dir;
  const auto e = config_error(dir.path().string());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->where(), dir.path().string());
  EXPECT_NE(e->reason().find("directory"), std::string::npos) << e->what();
  TestCommand command;
  slq::add_config_option(*command.sub);
  command.sub->callback([] {});
  testing::internal::CaptureStderr();
  EXPECT_EQ(run(command.app, {"run", "--config", dir.path().string()}), 2);
  const std::string message = testing::internal::GetCapturedStderr();
  EXPECT_EQ(message, "slqsim: error: " + dir.path().string() + ": cannot read config file: it is a directory\n");
}

TEST(WriteFileAtomic, WritesContentCreatesParentsLeavesNoTempFile) {
  TempDir dir;
  const fs::path target = dir.path() / "reports" / "deep" / "summary.json";
  slq::write_file_atomic(target.string(), "{\"images\": 1}\n");
  EXPECT_EQ(read_text(target.string()), "{\"images\": 1}\n");
  slq::write_file_atomic(target.string(), "second");  // replaces
  EXPECT_EQ(read_text(target.string()), "second");
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(target.parent_path())) {
    ++entries;
    EXPECT_EQ(entry.path().filename(), "summary.json");
  }
  EXPECT_EQ(entries, 1);
}

TEST(WriteFileAtomic, UnwritablePathIsAnInputError) {
  TempDir dir;
  const std::string blocker = dir.file("plain_file", "x");  // a file where a directory should be
  EXPECT_THROW(slq::write_file_atomic(blocker + "/summary.json", "x"), slq::InputError);
}

TEST(RunCli, ExitCodes) {
  {
    TestCommand command;
    command.sub->callback([] {});
    EXPECT_EQ(run(command.app, {"run", "--lanes", "4"}), 0);
    EXPECT_EQ(command.lanes, 4);
  }
  {
    TestCommand command;
    EXPECT_EQ(run(command.app, {"run", "--no-such-flag"}), 2);
  }
  {
    TestCommand command;
    EXPECT_EQ(run(command.app, {"run", "--lanes", "four"}), 2);
  }
  {
    TestCommand command;
    command.sub->callback([] { throw slq::InputError("w.hex", "field 3, bit 17", "truncated"); });
    testing::internal::CaptureStderr();
    EXPECT_EQ(run(command.app, {"run"}), 2);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "slqsim: error: w.hex: field 3, bit 17: truncated\n");
  }
  {
    TestCommand command;
    command.sub->callback([] { throw std::logic_error("bug"); });
    EXPECT_EQ(run(command.app, {"run"}), 1);
  }
  {
    TestCommand command;
    command.sub->callback([] { throw slq::Interrupted(); });
    EXPECT_EQ(run(command.app, {"run"}), 130);
  }
  {
    TestCommand command;
    testing::internal::CaptureStdout();
    EXPECT_EQ(run(command.app, {"run", "--help"}), 0);
    EXPECT_NE(testing::internal::GetCapturedStdout().find("--lanes"), std::string::npos);
  }
}

TEST(RunCli, BadConfigFileExitsTwoWithOneLine) {
  TempDir dir;
  TestCommand command;
  slq::add_config_option(*command.sub);
  command.sub->callback([] {});
  const std::string config = dir.file("bad.yaml", "lanes: [1\n");
  testing::internal::CaptureStderr();
  EXPECT_EQ(run(command.app, {"run", "--config", config}), 2);
  const std::string message = testing::internal::GetCapturedStderr();
  EXPECT_EQ(message.rfind("slqsim: error: " + config + ": line 2, column 1: ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), message.size() - 1) << message;
}

TEST(Logging, LevelsFromFlags) {
  slq::LogOptions options;
  EXPECT_EQ(options.effective_level(), "info");
  options.verbosity = 1;
  EXPECT_EQ(options.effective_level(), "debug");
  options.verbosity = 2;
  EXPECT_EQ(options.effective_level(), "trace");
  options = {};
  options.quiet = true;
  EXPECT_EQ(options.effective_level(), "warn");
  options.level = "error";
  EXPECT_EQ(options.effective_level(), "error");
  EXPECT_NO_THROW(slq::setup_logging("debug"));
  EXPECT_THROW(slq::setup_logging("loud"), slq::InputError);
}

TEST(SystemCReports, WarningsAreLoggedErrorsThrow) {
  slq::setup_logging("info");
  slq::route_systemc_reports();
  EXPECT_NO_THROW(SC_REPORT_WARNING("slqsim/test", "just a warning"));
  try {
    SC_REPORT_ERROR("slqsim/test", "broken");
    FAIL() << "SystemC error did not throw";
  } catch (const sc_core::sc_report& e) {
    EXPECT_STREQ(e.get_msg(), "broken");
  }
  EXPECT_THROW(SC_REPORT_FATAL("slqsim/test", "fatal"), sc_core::sc_report);  // not abort()
}

namespace {
SC_MODULE(FailingThread) {
  SC_CTOR(FailingThread) { SC_THREAD(work); }
  void work() {
    wait(5, sc_core::SC_NS);
    SC_REPORT_ERROR("slqsim/test", "bad thing");
  }
};
}  // namespace

// Elaborates SystemC: relies on ctest running each test in its own process.
TEST(SystemCReports, ErrorInThreadExitsOneWithOneLine) {
  slq::route_systemc_reports();
  CLI::App app{"test", "slqsim"};
  app.callback([] {
    FailingThread failing("failing");
    sc_core::sc_start();
  });
  testing::internal::CaptureStderr();
  EXPECT_EQ(run(app, {}), 1);
  const std::string message = testing::internal::GetCapturedStderr();
  EXPECT_EQ(message.rfind("slqsim: internal error: SystemC @5 ns slqsim/test: bad thing (", 0), 0u)
      << message;
  EXPECT_NE(message.find("failing.work"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), message.size() - 1) << message;
}

TEST(Progress, ShowsCountPercentAndEtaThenNewline) {
  std::ostringstream out;
  {
    slq::Progress progress("run tag", 10, "images", true, out, std::chrono::milliseconds(0));
    progress.update(3);
  }
  const std::string text = out.str();
  EXPECT_NE(text.find("run tag  3/10 images  30.0%  ETA "), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

TEST(Progress, SilentWhenDisabledOrShort) {
  std::ostringstream disabled_out, short_out;
  {
    slq::Progress disabled("x", 10, "images", false, disabled_out, std::chrono::milliseconds(0));
    disabled.update(5);
    slq::Progress short_task("y", 10, "images", true, short_out);  // shown only after 2 s
    short_task.update(5);
  }
  EXPECT_EQ(disabled_out.str(), "");
  EXPECT_EQ(short_out.str(), "");
}

TEST(Interrupts, FirstSignalSetsFlagSecondExits130) {
  EXPECT_EXIT(
      {
        slq::install_interrupt_handler();
        if (slq::interrupted()) _exit(1);
        raise(SIGINT);
        if (!slq::interrupted()) _exit(2);
        raise(SIGINT);
        _exit(3);
      },
      ::testing::ExitedWithCode(130), "interrupted");
}

// ---- the real binary -------------------------------------------------------------------

namespace {

struct Result {
  int exit_code;
  std::string out, err;
};

Result run_binary(const TempDir& dir, const std::string& args) {
  const std::string out = dir.file("stdout.txt"), err = dir.file("stderr.txt");
  const std::string command =
      std::string("'") + SLQSIM_BINARY + "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out), read_text(err)};
}

}  // namespace

TEST(SlqsimBinary, HelpExitsZeroAndListsSubcommands) {
  TempDir dir;
  const Result result = run_binary(dir, "--help");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* name : {"quantize", "encode", "decode", "run", "compare"}) {
    EXPECT_NE(result.out.find(name), std::string::npos) << result.out;
  }
  EXPECT_EQ(result.out.find("Copyright"), std::string::npos);
}

TEST(SlqsimBinary, UnknownSubcommandExitsTwoWithOneLine) {
  TempDir dir;
  const Result result = run_binary(dir, "frobnicate");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("slqsim: error: ", 0), 0u) << result.err;
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
}

TEST(SlqsimBinary, VersionAndMissingSubcommand) {
  TempDir dir;
  const Result version = run_binary(dir, "--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("slqsim"), std::string::npos);
  EXPECT_EQ(run_binary(dir, "").exit_code, 2);
  EXPECT_EQ(run_binary(dir, "-v --log-level loud quantize").exit_code, 2);
}
