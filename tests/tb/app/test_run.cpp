// `slqsim run` end to end: reports, the models-only mode, dumps against a computation straight
// from docs/quantization.md and docs/arithmetic.md, tag == special, determinism, interruption and bad input.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "models/io/idx.h"
#include "models/io/npy.h"
#include "models/io/onnx_model.h"
#include "models/quant/quant.h"
#include "tests/tb/cli_test_util.h"

using namespace slq;
using test::Result;
using test::slqsim;
using test::TempDir;

namespace {

std::string run_args(const TempDir& dir, const std::string& report, const std::string& extra) {
  return "run --model '" + test::kModel + "' --report-dir '" + (dir / report) + "' " + extra;
}

nlohmann::json summary_of(const TempDir& dir, const std::string& report) {
  return nlohmann::json::parse(test::read_text(dir / (report + "/summary.json")));
}

const nlohmann::json& encoding(const nlohmann::json& summary, const std::string& name) {
  for (const auto& e : summary["encodings"])
    if (e["name"] == name) return e;
  throw std::runtime_error("no encoding " + name);
}

}  // namespace

// The report contract of docs/networks.md, on a short run in the default (fast) mode.
TEST(RunCommand, WritesTheReportContract) {
  TempDir dir;
  const Result r = slqsim(dir, run_args(dir, "rep", "--images 20"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary_of(dir, "rep");
  EXPECT_EQ(s["images"], 20);
  EXPECT_TRUE(s["complete"].get<bool>());
  EXPECT_GE(s["float_accuracy_top1"].get<double>(), 0.0);
  EXPECT_LE(s["float_accuracy_top1"].get<double>(), 1.0);
  EXPECT_EQ(s["config"]["lanes"], 16);
  ASSERT_EQ(s["layers"].size(), 4u);
  EXPECT_EQ(s["layers"][0]["name"], "0_Conv");
  EXPECT_EQ(s["layers"][3]["name"], "9_Gemm");
  ASSERT_EQ(s["encodings"].size(), 4u);
  for (const auto& e : s["encodings"]) {
    for (const char* key : {"name", "accuracy_top1", "cycles_total", "cycles_per_image", "stall_cycles",
                            "weight_bits_total", "bits_per_weight", "words_per_weight", "sim_wall_seconds"})
      EXPECT_TRUE(e.contains(key)) << key;
    EXPECT_GT(e["cycles_total"].get<uint64_t>(), 0u);
    EXPECT_DOUBLE_EQ(e["cycles_per_image"].get<double>(), e["cycles_total"].get<double>() / 20.0);
    EXPECT_GE(e["accuracy_top1"].get<double>(), 0.0);
    EXPECT_LE(e["accuracy_top1"].get<double>(), 1.0);
  }
  // layers.csv: a header with units in the names and one row per (encoding, layer).
  const std::string csv = test::read_text(dir / "rep/layers.csv");
  const std::string header = csv.substr(0, csv.find('\n'));
  for (const char* col : {"cycles", "stall_cycles", "weight_bits", "macs", "lane_utilization_pct"})
    EXPECT_NE(header.find(col), std::string::npos) << col;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 4 * 4);
  // One table line per encoding on stdout.
  for (const char* name : {"tag", "special", "lq", "linear", "float"}) EXPECT_NE(r.out.find(name), std::string::npos);
}

// The models-only run gives the same accuracy and accumulators as the SystemC run, with no cycles;
// tag and special give identical accumulators at different bits per weight.
TEST(RunCommand, ModelModeEqualsSimulationAndTagEqualsSpecial) {
  TempDir dir;
  ASSERT_EQ(slqsim(dir, run_args(dir, "hw", "--images 18 --dump-dir '" + (dir / "hw_dump") + "'")).exit_code, 0);
  ASSERT_EQ(slqsim(dir, run_args(dir, "model", "--images 18 --sim-mode model --dump-dir '" + (dir / "model_dump") + "'"))
                .exit_code,
            0);
  const auto hw = summary_of(dir, "hw"), model = summary_of(dir, "model");
  for (const char* name : {"tag", "special", "lq", "linear"}) {
    EXPECT_EQ(encoding(hw, name)["accuracy_top1"], encoding(model, name)["accuracy_top1"]) << name;
    EXPECT_TRUE(encoding(model, name)["cycles_total"].is_null());
    for (const char* layer : {"0_Conv", "3_Conv", "7_Gemm", "9_Gemm"}) {
      std::vector<int64_t> shape_hw, shape_model;
      const std::string file = std::string("/") + name + "_" + layer + ".npy";
      EXPECT_EQ(read_npy_int32(dir / ("hw_dump" + file), &shape_hw), read_npy_int32(dir / ("model_dump" + file), &shape_model))
          << file;
      EXPECT_EQ(shape_hw, shape_model);
      EXPECT_EQ(shape_hw.front(), 18);
    }
  }
  for (const char* layer : {"0_Conv", "3_Conv", "7_Gemm", "9_Gemm"}) {
    std::vector<int64_t> shape;
    EXPECT_EQ(read_npy_int32(dir / (std::string("hw_dump/tag_") + layer + ".npy"), &shape),
              read_npy_int32(dir / (std::string("hw_dump/special_") + layer + ".npy"), &shape));
  }
  EXPECT_EQ(encoding(hw, "tag")["accuracy_top1"], encoding(hw, "special")["accuracy_top1"]);
  EXPECT_NE(encoding(hw, "tag")["bits_per_weight"], encoding(hw, "special")["bits_per_weight"]);
}

// The first layer's dump equals a computation straight from docs/quantization.md and docs/arithmetic.md: SLQ of w / U, then per
// term round_half_up(a * 2^-e) summed with its sign (log formats), or the LD count over |w_int|
// bits (linear), with pixels as activations.
TEST(RunCommand, FirstLayerDumpFollowsTheSpec) {
  TempDir dir;
  const int images = 3;
  ASSERT_EQ(slqsim(dir, run_args(dir, "rep", "--images 3 --theta 0.0078125 --dump-dir '" + (dir / "dump") + "'")).exit_code, 0);
  const Network net = load_onnx(test::kModel);
  const Op& conv = net.ops[0];
  const Dataset data = load_fashion_mnist(kFashionMnistDir, false, images);
  double max_abs = 0;
  for (float w : conv.weight) max_abs = std::max(max_abs, std::fabs(double(w)));
  const int u = static_cast<int>(std::lround(std::log2(max_abs))) + 1;
  const int O = 8, K = 5, H = 28;
  for (const std::string fmt : {"tag", "lq", "linear"}) {
    std::vector<int64_t> shape;
    const std::vector<int32_t> dump = read_npy_int32(dir / ("dump/" + fmt + "_0_Conv.npy"), &shape);
    ASSERT_EQ(shape, (std::vector<int64_t>{images, O, H, H}));
    CodeParams p;
    p.format = fmt == "tag" ? Format::tag : fmt == "lq" ? Format::lq : Format::linear;
    p.max_words = fmt == "tag" ? 2 : 1;
    p.theta = 0.0078125;
    const double step = max_abs / 255.0;
    for (int n = 0; n < images; ++n)
      for (int o = 0; o < O; ++o)
        for (int y = 0; y < H; ++y)
          for (int x = 0; x < H; ++x) {
            int64_t acc = 0;
            for (int ky = 0; ky < K; ++ky)
              for (int kx = 0; kx < K; ++kx) {
                const int iy = y - 2 + ky, ix = x - 2 + kx;
                const int64_t a = (iy < 0 || iy >= H || ix < 0 || ix >= H) ? 0 : data.image(n)[iy * H + ix];
                const double w = conv.weight[(o * K + ky) * K + kx];
                if (p.format == Format::linear) {
                  const long q = std::lround(w / step);
                  int64_t ones = 0;  // LD stream bit t is a[7 - ctz(t+1)]
                  for (long t = 0; t < std::labs(q); ++t) {
                    const int z = __builtin_ctzl(t + 1);
                    if (z < 8) ones += (a >> (7 - z)) & 1;
                  }
                  acc += q < 0 ? -ones : ones;
                } else {
                  for (int v : slq_quantize(w / std::ldexp(1.0, u), p)) {
                    const int e = std::abs(v);
                    if (v == 0 || e > 8) continue;
                    const int64_t ones = (a + (int64_t{1} << (e - 1))) >> e;  // floor(a / 2^e + 1/2)
                    acc += v > 0 ? ones : -ones;
                  }
                }
              }
            ASSERT_EQ(dump[((n * O + o) * H + y) * H + x], acc) << fmt << " image " << n << " channel " << o;
          }
  }
}

// The same configuration gives byte-identical reports (sim_wall_seconds aside, which
// --reproducible writes as null).
TEST(RunCommand, ReportsAreDeterministic) {
  TempDir dir;
  ASSERT_EQ(slqsim(dir, run_args(dir, "a", "--images 17 --sng lfsr --seed 9 --reproducible")).exit_code, 0);
  ASSERT_EQ(slqsim(dir, run_args(dir, "b", "--images 17 --sng lfsr --seed 9 --reproducible")).exit_code, 0);
  EXPECT_EQ(test::read_text(dir / "a/summary.json"), test::read_text(dir / "b/summary.json"));
  EXPECT_EQ(test::read_text(dir / "a/layers.csv"), test::read_text(dir / "b/layers.csv"));
  EXPECT_TRUE(summary_of(dir, "a")["encodings"][0]["sim_wall_seconds"].is_null());
}

// Ctrl-C writes what has finished, marked incomplete, and exits non-zero.
TEST(RunCommand, InterruptWritesAnIncompleteReport) {
  TempDir dir;
  EXPECT_EQ(test::interrupted_run(run_args(dir, "rep", "--images 10000 --sim-mode model --encodings lq") + " >/dev/null",
                            dir / "err.txt", "simulating", std::chrono::milliseconds(300)),
            130);
  const auto s = summary_of(dir, "rep");
  EXPECT_FALSE(s["complete"].get<bool>());
  EXPECT_LT(s["images"].get<int>(), 10000);
  EXPECT_EQ(s["images_requested"], 10000);
}

// Ctrl-C during calibration (before anything is simulated) stops it within a step: exit 130, the
// log says where it stopped, and no report is written.
TEST(RunCommand, InterruptDuringCalibrationStopsIt) {
  TempDir dir;
  EXPECT_EQ(test::interrupted_run(run_args(dir, "rep", "--images 10 --sim-mode model --calibration-images 60000") + " >/dev/null",
                            dir / "err.txt", "calibrating on", std::chrono::milliseconds(200)),
            130);
  EXPECT_NE(test::read_text(dir / "err.txt").find("interrupted during calibration"), std::string::npos)
      << test::read_text(dir / "err.txt");
  EXPECT_FALSE(std::filesystem::exists(dir / "rep/summary.json"));
}

// Bad input: a clear one-line error and exit code 2.
TEST(RunCommand, BadInputExitsTwo) {
  TempDir dir;
  {
    std::ofstream junk(dir / "junk.onnx");
    junk << "this is not a protobuf at all \x01\x02\x03";
  }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"run --model '" + (dir / "junk.onnx") + "' --images 2", "junk.onnx"},
      {"run --model '" + (dir / "missing.onnx") + "' --images 2", "missing.onnx"},
      {"run --model '" + test::kModel + "' --images 2 --data-dir '" + (dir / "nodata") + "'", "dataset-fashion-mnist"},
      {"run --model '" + test::kModel + "' --images 20000", "--images"},
      {"run --model '" + test::kModel + "' --encodings tag,bogus", "bogus"},
      {"run --model '" + test::kModel + "' --lanes 0", "lanes"},
      {"run --model '" + test::kModel + "' --sim-mode turbo", "turbo"},
      {"run --model '" + test::kModel + "' --no-such-flag", "no-such-flag"},
      {"run --model '" + test::kModel + "' --images 1 --vcd /nonexistent-dir/x.vcd", "x.vcd"},
  };
  for (const auto& [args, needle] : cases) {
    const Result r = slqsim(dir, args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
  }
}

// A waveform of the run: per-cycle mode, a cycle window, and a VCD that GTKWave's vcd2fst accepts.
TEST(RunCommand, WritesAVcdThatGtkwaveAccepts) {
  TempDir dir;
  const Result r = slqsim(dir, run_args(dir, "rep", "--images 1 --encodings special --vcd '" + (dir / "wave.vcd") +
                                                        "' --window 0:3000 --trace-lanes 0,5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string vcd = test::read_text(dir / "wave.vcd");
  for (const char* signal : {"status", "term_exponent", "down_counter", "acc_lane0", "acc_lane5", "fifo_occupancy"})
    EXPECT_NE(vcd.find(signal), std::string::npos) << signal;
  EXPECT_NE(vcd.find("$scope module special $end"), std::string::npos);
  // Nothing changes after the window: the last value change is at most cycle 3000
  // (the VCD time unit is 100 ps, a tenth of a cycle).
  std::istringstream lines(vcd);
  uint64_t now = 0, last_change = 0;
  bool in_body = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("$enddefinitions", 0) == 0) in_body = true;
    if (!in_body || line.empty() || line[0] == '$') continue;
    if (line[0] == '#') now = std::stoull(line.substr(1));
    else last_change = now;
  }
  EXPECT_GT(last_change, 0u);
  EXPECT_LE(last_change, 10u * 3001u);
  // The same run gives a byte-identical waveform (SystemC's wall-clock date is blanked).
  ASSERT_EQ(slqsim(dir, run_args(dir, "rep2", "--images 1 --encodings special --vcd '" + (dir / "wave2.vcd") +
                                                    "' --window 0:3000 --trace-lanes 0,5"))
                .exit_code,
            0);
  EXPECT_EQ(test::read_text(dir / "wave2.vcd"), vcd);
  if (std::system("command -v vcd2fst >/dev/null 2>&1") != 0) GTEST_SKIP() << "vcd2fst not installed";
  const std::string convert = "vcd2fst '" + (dir / "wave.vcd") + "' '" + (dir / "wave.fst") + "' >/dev/null 2>&1";
  EXPECT_EQ(std::system(convert.c_str()), 0);
}

// run --jobs: worker processes over ranges of whole batches give the reports of one process, byte
// for byte, and leave no part directories behind.
TEST(RunJobs, ReportsEqualOneProcess) {
  TempDir dir;
  ASSERT_EQ(slqsim(dir, run_args(dir, "one", "--images 40 --jobs 1 --reproducible")).exit_code, 0);
  const Result r = slqsim(dir, run_args(dir, "three", "--images 40 --jobs 3 --reproducible"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("on 3 worker processes"), std::string::npos) << r.err;
  for (const char* f : {"summary.json", "layers.csv", "stats.txt", "state.json", "options.yaml"})
    EXPECT_EQ(test::read_text(dir / (std::string("one/") + f)), test::read_text(dir / (std::string("three/") + f))) << f;
  EXPECT_FALSE(std::filesystem::exists(dir / "three/parts"));
}

// A worker that dies fails the run with its error, naming its images; the others stop and write
// what they finished, and the report of the images finished from the first on is written.
TEST(RunJobs, AFailingWorkerFailsTheRunAndKeepsWhatFinished) {
  TempDir dir;
  const std::string log = dir / "err.txt";
  const std::string cmd = std::string("exec '") + SLQSIM_BINARY + "' " +
                          run_args(dir, "rep", "--images 10000 --jobs 2 --sim-mode model --encodings lq") +
                          " >/dev/null 2>'" + log + "'";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  const std::string progress0 = dir / "rep/parts/0/progress", progress1 = dir / "rep/parts/1/progress";
  for (int i = 0; i < 6000 && !(std::filesystem::exists(progress0) && std::filesystem::exists(progress1)); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The second worker: the process whose command line holds its report directory.
  int killed = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = test::read_text(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(dir / "rep/parts/1 ") != std::string::npos) killed += kill(std::stoi(name), SIGKILL) == 0;
  }
  ASSERT_EQ(killed, 1);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string err = test::read_text(log);
  EXPECT_NE(err.find("worker for images 5008..9999 failed (killed by signal 9)"), std::string::npos) << err;
  const auto s = summary_of(dir, "rep");
  EXPECT_FALSE(s["complete"].get<bool>());
  EXPECT_GT(s["images"].get<int>(), 0);
  EXPECT_LT(s["images"].get<int>(), 5008);
  EXPECT_NE(s["stopped_because"].get<std::string>().find("killed by signal 9"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir / "rep/parts/0/state.json"));
}

// The run configurations in examples/ run as shipped (from the source directory, where their
// model paths point), each on a few images.
TEST(RunCommand, ExampleConfigurationsRun) {
  TempDir dir;
  for (const char* config : {"default.yaml", "resnet.yaml"}) {
    const Result r = test::run_command(
        dir, std::string("cd '") + SLQSIM_SOURCE_DIR + "' && '" + SLQSIM_BINARY + "' run --config examples/" + config +
                 " --images 16 --jobs 1 --report-dir '" + (dir / config) + "'");
    ASSERT_EQ(r.exit_code, 0) << config << ": " << r.err;
    const auto s = summary_of(dir, config);
    EXPECT_EQ(s["images"], 16) << config;
    EXPECT_EQ(s["encodings"].size(), 4u) << config;
  }
}
