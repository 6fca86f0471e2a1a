// θ per layer: the search (tb/app/tuner.h) on made-up layers, and `slqsim tune` end to end.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tb/app/options.h"
#include "tb/app/tuner.h"
#include "tests/tb/cli_test_util.h"

using namespace slq;
using test::Result;
using test::slqsim;
using test::TempDir;

namespace {

// Three layers; layer 1 is big and tolerant, layer 2 small and sensitive.
const std::vector<tb::TuneLayer> kLayers = {
    {"a", 100, {200, 150, 120, 100}},
    {"b", 1000, {2000, 1500, 1100, 1000}},
    {"c", 10, {20, 15, 12, 10}},
};
double accuracy_of(const std::vector<size_t>& c) {
  const double penalty[3][4] = {{0, 0.002, 0.004, 0.02}, {0, 0.001, 0.002, 0.003}, {0, 0.01, 0.03, 0.1}};
  double a = 0.9;
  for (size_t l = 0; l < 3; ++l) a -= penalty[l][c[l]];
  return a;
}
std::vector<double> evaluate(const std::vector<std::vector<size_t>>& configs) {
  std::vector<double> out;
  for (const auto& c : configs) out.push_back(accuracy_of(c));
  return out;
}

}  // namespace

TEST(Tuner, FloorGivesFewestWordsThatKeepIt) {
  tb::TuneTarget t;
  t.min_accuracy = 0.89;
  const tb::TuneResult r = tb::tune_thetas(kLayers, 4, t, evaluate);
  EXPECT_TRUE(r.met);
  EXPECT_GE(r.accuracy, 0.89);
  EXPECT_EQ(r.accuracy, accuracy_of(r.choice));
  // The big tolerant layer goes to the top of its ladder, the sensitive one stays low.
  EXPECT_EQ(r.choice[1], 3u);
  EXPECT_LE(r.choice[2], 1u);
  // Better than every single-θ point that keeps the floor.
  for (size_t k = 0; k < 4; ++k) {
    const std::vector<size_t> u(3, k);
    if (accuracy_of(u) >= 0.89) EXPECT_LE(r.words_per_weight, tb::words_per_weight(kLayers, u)) << k;
  }
  // Each step of the path keeps the floor and saves words.
  for (size_t s = 1; s < r.path.size(); ++s) {
    EXPECT_GE(r.path[s].accuracy, 0.89);
    EXPECT_LT(r.path[s].words_per_weight, r.path[s - 1].words_per_weight);
  }
}

TEST(Tuner, BudgetGivesBestAccuracyWithinIt) {
  tb::TuneTarget t;
  t.max_words_per_weight = 1.2;
  const tb::TuneResult r = tb::tune_thetas(kLayers, 4, t, evaluate);
  EXPECT_TRUE(r.met);
  EXPECT_LE(r.words_per_weight, 1.2);
  for (size_t k = 0; k < 4; ++k) {
    const std::vector<size_t> u(3, k);
    if (tb::words_per_weight(kLayers, u) <= 1.2) EXPECT_GE(r.accuracy, accuracy_of(u)) << k;
  }
}

TEST(Tuner, UnreachableTargetsSaySoAndGiveTheBestFound) {
  tb::TuneTarget floor;
  floor.min_accuracy = 0.95;  // above even the finest point
  const tb::TuneResult r = tb::tune_thetas(kLayers, 4, floor, evaluate);
  EXPECT_FALSE(r.met);
  EXPECT_EQ(r.accuracy, 0.9);  // the most accurate point
  tb::TuneTarget budget;
  budget.max_words_per_weight = 0.5;  // below one word per weight
  const tb::TuneResult b = tb::tune_thetas(kLayers, 4, budget, evaluate);
  EXPECT_FALSE(b.met);
  EXPECT_EQ(b.choice, (std::vector<size_t>{3, 3, 3}));  // as few words as there can be
}

// The tuned config runs as it is; measured on training images, deterministic, and an
// unreachable target exits 1 with the best found written.
TEST(TuneCommand, WritesAConfigThatRunReads) {
  TempDir dir;
  const std::string base = "tune -q --model '" + test::kModel +
                           "' --validation-images 400 --calibration-images 64 --thetas 0,0.03125,0.125 ";
  const Result r = slqsim(dir, base + "--max-accuracy-drop 3 --out '" + (dir / "t.yaml") + "' --report-dir '" + (dir / "rep") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("validation accuracy"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(test::read_text(dir / "rep/tune.json"));
  EXPECT_TRUE(j["met"].get<bool>());
  EXPECT_EQ(j["validation_images"], nlohmann::json({59600, 60000}));
  EXPECT_GE(j["accuracy"].get<double>(), j["reference_accuracy"].get<double>() - 0.03);
  tb::Options o;
  tb::apply_options_file(o, dir / "t.yaml");
  EXPECT_EQ(o.layer_theta.size(), 4u);  // every layer of LeNet
  for (const auto& layer : j["layers"]) EXPECT_EQ(o.layer_theta.at(layer["layer"]), layer["theta"].get<double>());
  EXPECT_EQ(o.encodings, "tag");
  const Result run = slqsim(dir, "run -q --config '" + (dir / "t.yaml") + "' --images 32 --report-dir '" + (dir / "run") + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto s = nlohmann::json::parse(test::read_text(dir / "run/summary.json"));
  EXPECT_NEAR(s["encodings"][0]["words_per_weight"].get<double>(), j["words_per_weight"].get<double>(), 1e-12);
  // Again: the same file.
  ASSERT_EQ(slqsim(dir, base + "--max-accuracy-drop 3 --out '" + (dir / "t2.yaml") + "' --report-dir '" + (dir / "rep2") + "'").exit_code, 0);
  EXPECT_EQ(test::read_text(dir / "t.yaml"), test::read_text(dir / "t2.yaml"));

  const Result no = slqsim(dir, base + "--max-words-per-weight 0.5 --out '" + (dir / "n.yaml") + "' --report-dir '" + (dir / "nrep") + "'");
  EXPECT_EQ(no.exit_code, 1) << no.err;
  EXPECT_NE(no.out.find("NOT met"), std::string::npos) << no.out;
  EXPECT_NE(test::read_text(dir / "n.yaml").find("NOT met (the best found)"), std::string::npos);

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"--max-accuracy-drop 1 --max-words-per-weight 1", "either"},
      {"--max-accuracy-drop 1 --format lq", "lq"},
      {"--max-accuracy-drop 1 --thetas 0.1,0.05", "ascend"},
      {"--max-accuracy-drop 1 --thetas 0,1", "'1' is not a θ"},
      {"--max-accuracy-drop 1 --validation-images 59900", "exceed"},
  };
  for (const auto& [args, needle] : bad) {
    const Result e = slqsim(dir, "tune --model '" + test::kModel + "' " + args + " --out '" + (dir / "x.yaml") + "'");
    EXPECT_EQ(e.exit_code, 2) << args << "\n" << e.err;
    EXPECT_NE(e.err.find(needle), std::string::npos) << args << "\n" << e.err;
  }
}
