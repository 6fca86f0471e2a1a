// Scaling out: run --image-range with merge, and sweeps (tb/app/sweep.h, docs/sweeps.md).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tb/app/options.h"
#include "tb/app/sweep.h"
#include "tests/tb/cli_test_util.h"

using namespace slq;
using test::Result;
using test::slqsim;
using test::TempDir;

namespace {

std::string run_args(const TempDir& dir, const std::string& report, const std::string& extra) {
  return "run -q --model '" + test::kModel + "' --reproducible --report-dir '" + (dir / report) + "' " + extra;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    rows.push_back(cells);
  }
  return rows;
}

size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (size_t k = 0; k < header.size(); ++k)
    if (header[k] == name) return k;
  throw std::runtime_error("no column " + name);
}

const std::string kSweep = "base: {model: " + test::kModel + ", images: 48, sim-mode: fast}\n" +
                           "grid: {theta: [0, 0.03125], encodings: [tag, lq]}\n" + "points: [{lanes: 16}, {lanes: 8}]\n";

}  // namespace

// Three runs over image ranges, merged in any order, write exactly the reports of one run.
TEST(ImageRange, MergedRunsEqualOneRun) {
  TempDir dir;
  ASSERT_EQ(slqsim(dir, run_args(dir, "whole", "--images 40")).exit_code, 0);
  ASSERT_EQ(slqsim(dir, run_args(dir, "a", "--images 40 --image-range 0:16")).exit_code, 0);
  ASSERT_EQ(slqsim(dir, run_args(dir, "b", "--images 40 --image-range 16:32")).exit_code, 0);
  ASSERT_EQ(slqsim(dir, run_args(dir, "c", "--images 40 --image-range 32:40")).exit_code, 0);
  const auto part = nlohmann::json::parse(test::read_text(dir / "b/summary.json"));
  EXPECT_EQ(part["image_range"], nlohmann::json({16, 32}));
  EXPECT_EQ(part["images"], 16);
  const Result m = slqsim(dir, "merge -q '" + (dir / "c") + "' '" + (dir / "a") + "' '" + (dir / "b") +
                                   "' --reproducible --report-dir '" + (dir / "merged") + "'");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  for (const char* f : {"summary.json", "layers.csv", "stats.txt", "state.json", "options.yaml"})
    EXPECT_EQ(test::read_text(dir / ("whole/" + std::string(f))), test::read_text(dir / ("merged/" + std::string(f))))
        << f;
  // Two of the three: a report of images 0..31, which says so.
  ASSERT_EQ(slqsim(dir, "merge -q '" + (dir / "a") + "' '" + (dir / "b") + "' --report-dir '" + (dir / "ab") + "'").exit_code, 0);
  const auto ab = nlohmann::json::parse(test::read_text(dir / "ab/summary.json"));
  EXPECT_EQ(ab["images"], 32);
  EXPECT_EQ(ab["image_range"], nlohmann::json({0, 32}));
}

TEST(ImageRange, BadRangesAndMismatchedPartsExitTwo) {
  TempDir dir;
  ASSERT_EQ(slqsim(dir, run_args(dir, "a", "--images 40 --image-range 0:16")).exit_code, 0);
  ASSERT_EQ(slqsim(dir, run_args(dir, "c", "--images 40 --image-range 32:40")).exit_code, 0);
  ASSERT_EQ(slqsim(dir, run_args(dir, "t", "--images 40 --image-range 16:32 --theta 0")).exit_code, 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {run_args(dir, "x", "--images 40 --image-range 3:16"), "multiple of --lanes"},
      {run_args(dir, "x", "--images 40 --image-range 16:50"), "past --images"},
      {run_args(dir, "x", "--images 40 --image-range 16:16"), "empty range"},
      {run_args(dir, "x", "--images 40 --image-range 1-5"), "expected A:B"},
      {"merge '" + (dir / "a") + "' '" + (dir / "c") + "' --report-dir '" + (dir / "m") + "'", "images 16..31 are in none"},
      {"merge '" + (dir / "a") + "' '" + (dir / "a") + "' --report-dir '" + (dir / "m") + "'", "overlap"},
      {"merge '" + (dir / "a") + "' '" + (dir / "t") + "' --report-dir '" + (dir / "m") + "'", "options differ"},
      {"merge '" + dir / "missing" + "' --report-dir '" + (dir / "m") + "'", "missing"},
  };
  for (const auto& [args, needle] : cases) {
    const Result r = slqsim(dir, args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
  }
}

// The options file a run writes reads back to the same options, per-layer maps included.
TEST(OptionsYaml, RoundTrips) {
  TempDir dir;
  tb::Options o;
  o.model = "some model.onnx";
  o.theta = 0.1;  // not a short binary fraction
  o.encodings = "tag,lq";
  o.per_channel_scale = true;
  o.layer_theta = {{"0_Conv", 0.0078125}, {"3_Gemm", 1.0 / 3}};
  o.layer_max_words = {{"0_Conv", 3}};
  o.seed = 18446744073709551615ull;
  tb::Options back;
  tb::apply_options_text(back, o.to_yaml(), "test");
  EXPECT_TRUE(back == o) << o.to_yaml();
  tb::Options defaults;
  tb::apply_options_text(defaults, tb::Options().to_yaml(), "test");
  EXPECT_TRUE(defaults == tb::Options());
}

TEST(Pareto, FrontKeepsOnlyUndominatedRows) {
  const double nan = std::nan("");
  // accuracy up, bits down; equal rows do not dominate each other
  const std::vector<std::vector<double>> rows = {{0.90, 5}, {0.91, 6}, {0.89, 6}, {0.90, 5}};
  EXPECT_EQ(tb::pareto_front(rows, {true, false}), (std::vector<bool>{true, true, false, true}));
  // An objective nobody measured (cycles with --sim-mode model) is left out.
  EXPECT_EQ(tb::pareto_front({{0.90, nan}, {0.91, nan}}, {true, false}), (std::vector<bool>{false, true}));
}

// A sweep writes one report per point and a CSV whose rows are those of standalone runs; --jobs
// does not change it; a sweep that was interrupted or lost a point completes when run again.
TEST(Sweep, CsvIsTheSameForAnyJobsAndEqualsStandaloneRuns) {
  TempDir dir;
  write(dir / "s.yaml", kSweep);
  const Result two = slqsim(dir, "sweep --config '" + (dir / "s.yaml") + "' --out '" + (dir / "j2") + "' --jobs 2");
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(two.err.find("ETA"), std::string::npos) << two.err;
  ASSERT_EQ(slqsim(dir, "sweep -q --config '" + (dir / "s.yaml") + "' --out '" + (dir / "j1") + "' --jobs 1").exit_code, 0);
  const std::string csv = test::read_text(dir / "j2/sweep.csv");
  EXPECT_EQ(csv, test::read_text(dir / "j1/sweep.csv"));
  const auto rows = csv_rows(csv);
  ASSERT_EQ(rows.size(), 1u + 8u);  // 2 theta x 2 encodings x 2 points, one encoding each
  const auto& h = rows[0];
  // Point order: theta, then encodings, then the explicit points, the last fastest.
  EXPECT_EQ(rows[1][column(h, "theta")], "0");
  EXPECT_EQ(rows[1][column(h, "lanes")], "16");
  EXPECT_EQ(rows[2][column(h, "lanes")], "8");
  EXPECT_EQ(rows[3][column(h, "encoding")], "lq");
  EXPECT_EQ(rows[5][column(h, "theta")], "0.03125");

  // Row 6 (point 5: theta 2^-5, tag, 8 lanes) against a standalone run of the same options.
  ASSERT_EQ(slqsim(dir, run_args(dir, "alone", "--images 48 --theta 0.03125 --encodings tag --lanes 8")).exit_code, 0);
  const auto alone = nlohmann::json::parse(test::read_text(dir / "alone/summary.json"));
  const auto& e = alone["encodings"][0];
  const auto& row = rows[6];
  EXPECT_EQ(row[column(h, "point")], "5");
  for (const char* k : {"accuracy_top1", "bits_per_weight", "words_per_weight", "cycles_per_image",
                        "energy_pj_per_image", "stall_cycles"})
    EXPECT_EQ(row[column(h, k)], e[k].dump()) << k;
  EXPECT_EQ(row[column(h, "float_accuracy_top1")], alone["float_accuracy_top1"].dump());

  // A lost point is run again; nothing else is.
  std::filesystem::remove_all(dir / "j1/points/0003");
  const Result again = slqsim(dir, "sweep --config '" + (dir / "s.yaml") + "' --out '" + (dir / "j1") + "'");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("7 finished before, 1 to run"), std::string::npos) << again.err;
  EXPECT_EQ(test::read_text(dir / "j1/sweep.csv"), csv);

  // sweep --merge rebuilds the same table from the directory alone.
  std::filesystem::remove(dir / "j1/sweep.csv");
  ASSERT_EQ(slqsim(dir, "sweep -q --merge '" + (dir / "j1") + "'").exit_code, 0);
  EXPECT_EQ(test::read_text(dir / "j1/sweep.csv"), csv);
}

TEST(Sweep, InterruptedSweepCompletesWhenRunAgain) {
  TempDir dir;
  write(dir / "s.yaml", "base: {model: " + test::kModel + ", images: 2000, encodings: lq}\n" +
                            "grid: {word-bits: [4, 5, 6, 7]}\n");
  const int code = test::interrupted_run("sweep --config '" + (dir / "s.yaml") + "' --out '" + (dir / "o") + "' --jobs 1 >/dev/null",
                                         dir / "err.txt", "point 0 done", std::chrono::milliseconds(0));
  EXPECT_EQ(code, 130) << test::read_text(dir / "err.txt");
  EXPECT_FALSE(tb::point_finished(dir / "o", 3, tb::read_sweep(dir / "s.yaml").points[3]));
  const Result again = slqsim(dir, "sweep --config '" + (dir / "s.yaml") + "' --out '" + (dir / "o") + "' --jobs 2");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err.find("0 finished before"), std::string::npos) << again.err;
  ASSERT_EQ(slqsim(dir, "sweep -q --config '" + (dir / "s.yaml") + "' --out '" + (dir / "fresh") + "'").exit_code, 0);
  EXPECT_EQ(test::read_text(dir / "o/sweep.csv"), test::read_text(dir / "fresh/sweep.csv"));
}

TEST(Sweep, BadSweepFilesExitTwoBeforeAnythingRuns) {
  TempDir dir;
  const std::string model = "model: " + test::kModel;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"base: {" + model + "}\ngrid: {thetaa: [0, 1]}\n", "line 2, column 8: unknown option 'thetaa'"},
      {"base: {" + model + "}\ngrid: {theta: [0, 2]}\n", "point 1 (theta=2)"},
      {"base: {" + model + "}\ngrid: {theta: []}\n", "has no values"},
      {"base: {" + model + "}\nextra: 1\n", "unknown key 'extra'"},
      {"grid: {theta: [0]}\n", "no model"},
      {"base: {" + model + "}\npoints: [{lanes: 0}]\n", "lanes"},
  };
  int k = 0;
  for (const auto& [text, needle] : cases) {
    const std::string file = dir / ("s" + std::to_string(k++) + ".yaml");
    write(file, text);
    const Result r = slqsim(dir, "sweep --config '" + file + "' --out '" + (dir / "o") + "'");
    EXPECT_EQ(r.exit_code, 2) << text << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << text << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "o/points")) << text;
  }
  // The same directory cannot hold two sweeps.
  write(dir / "one.yaml", "base: {" + model + ", images: 16, encodings: lq}\n");
  write(dir / "two.yaml", "base: {" + model + ", images: 32, encodings: lq}\n");
  ASSERT_EQ(slqsim(dir, "sweep -q --config '" + (dir / "one.yaml") + "' --out '" + (dir / "d") + "'").exit_code, 0);
  const Result r = slqsim(dir, "sweep --config '" + (dir / "two.yaml") + "' --out '" + (dir / "d") + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("holds another sweep"), std::string::npos) << r.err;
}

// A point that fails loses nothing else: the others finish, the CSV has them, the exit code says so.
TEST(Sweep, AFailingPointLosesNothingElse) {
  TempDir dir;
  // Layer names are checked against the model only when the point runs.
  write(dir / "s.yaml", "base: {model: " + test::kModel + ", images: 16, encodings: tag}\n" +
                            "points: [{theta: 0}, {layer-theta: {no_such_layer: 0.5}}, {theta: 0.25}]\n");
  const Result r = slqsim(dir, "sweep --config '" + (dir / "s.yaml") + "' --out '" + (dir / "o") + "' --jobs 2");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("point 1 (layer-theta=no_such_layer=0.5) failed (exit code 2)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no layer 'no_such_layer'"), std::string::npos) << r.err;
  const auto rows = csv_rows(test::read_text(dir / "o/sweep.csv"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][0], "0");
  EXPECT_EQ(rows[2][0], "2");
}
