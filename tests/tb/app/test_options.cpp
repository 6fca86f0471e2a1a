// The option tree (tb/app/options.h): every option's range checked and named, ranges that the models
// accept, JSON echo, equality and printing from the one table, one default per option across
// commands, and per-layer overrides from flags and from YAML maps.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "models/errors.h"
#include "tb/app/cli.h"
#include "tb/app/options.h"
#include "tests/tb/cli_test_util.h"

using namespace slq;
using tb::Options;
using tb::OptionSpec;

namespace {

// Sets a numeric option of `o` to `v`.
void set_number(Options& o, const OptionSpec& spec, double v) {
  std::visit(
      [&](auto Options::*m) {
        using T = std::decay_t<decltype(o.*m)>;
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) o.*m = static_cast<T>(v);
      },
      spec.member);
}

bool is_number(const OptionSpec& spec) {
  return std::visit(
      [](auto Options::*m) {
        using T = std::decay_t<decltype(std::declval<Options>().*m)>;
        return std::is_arithmetic_v<T> && !std::is_same_v<T, bool>;
      },
      spec.member);
}

std::string error_of(const Options& o) {
  try {
    o.validate();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// Each numeric option's range end is accepted by every check (the models' own included), and the
// value just beyond it is refused naming the option's flag.
TEST(Options, RangesAreCheckedAndNamedAndAgreeWithTheModels) {
  int numbers = 0;
  for (const OptionSpec& spec : tb::option_specs()) {
    if (!is_number(spec)) continue;
    ++numbers;
    for (double end : {spec.min, spec.max}) {
      if (!std::isfinite(end) || end >= 1.8e19) continue;  // (a 64-bit unsigned option's top is its type's)
      const bool open = end == spec.min ? spec.min_open : spec.max_open;
      const double step = std::fabs(end) >= 1e6 ? std::fabs(end) * 1e-3 : (spec.name == "theta" ? 1e-3 : 1);
      const double inside = open ? (end == spec.min ? end + step : end - step) : end;
      const double outside = open ? end : (end == spec.min ? end - step : end + step);
      Options o;
      set_number(o, spec, inside);
      // (W = 1 is in W's own range but holds no field of any format: refused by a cross-check.)
      if (!(spec.name == "mem-word-bits" && end == spec.min)) {
        EXPECT_EQ(error_of(o), "") << spec.name << " = " << inside;
      }
      if (outside < 0 && spec.min == 0) continue;  // an unsigned option cannot hold it
      set_number(o, spec, outside);
      const std::string error = error_of(o);
      EXPECT_NE(error.find(spec.flag()), std::string::npos) << spec.name << " = " << outside << ": " << error;
    }
  }
  EXPECT_GE(numbers, 12);
}

TEST(Options, ChoicesAreChecked) {
  Options o;
  o.encodings = "tag,bogus";
  EXPECT_NE(error_of(o).find("--encodings: unknown value 'bogus'"), std::string::npos) << error_of(o);
  o = Options{};
  o.sng = "";
  EXPECT_NE(error_of(o).find("--sng"), std::string::npos);
  o = Options{};
  o.sim_mode = "turbo";
  EXPECT_NE(error_of(o).find("turbo"), std::string::npos);
}

TEST(Options, EchoEqualityAndPrintingComeFromTheTable) {
  const Options a;
  Options b;
  EXPECT_TRUE(a == b);
  const nlohmann::ordered_json j = a.to_json();
  size_t echoed = 0;
  std::ostringstream printed;
  printed << a;
  for (const OptionSpec& spec : tb::option_specs()) {
    if (!spec.json.empty()) {
      EXPECT_TRUE(j.contains(spec.json)) << spec.json;
      ++echoed;
    }
    EXPECT_NE(printed.str().find(spec.flag() + " "), std::string::npos) << spec.flag();
  }
  EXPECT_EQ(j.size(), echoed);  // no per-layer keys without per-layer overrides
  EXPECT_EQ(j["theta"], 0.03125);
  EXPECT_EQ(j["L"], 2);
  b.layer_theta["0_Conv"] = 0.0;
  EXPECT_FALSE(a == b);
  EXPECT_EQ(b.to_json()["layer_theta"]["0_Conv"], 0.0);
  b = a;
  b.fifo_depth = 3;
  EXPECT_FALSE(a == b);
}

// L is 1 for lq and linear, whatever --L says; per-layer values override the network's.
TEST(Options, CodeOfAFormatAndALayer) {
  Options o;
  o.max_words = 3;
  o.layer_theta["3_Conv"] = 0.25;
  o.layer_max_words["3_Conv"] = 1;
  EXPECT_EQ(o.code(Format::tag).max_words, 3);
  EXPECT_EQ(o.code(Format::special).max_words, 3);
  EXPECT_EQ(o.code(Format::lq).max_words, 1);
  EXPECT_EQ(o.code(Format::linear).max_words, 1);
  EXPECT_EQ(o.code(Format::tag, "3_Conv").max_words, 1);
  EXPECT_EQ(o.code(Format::tag, "3_Conv").theta, 0.25);
  EXPECT_EQ(o.code(Format::tag, "0_Conv").theta, 0.03125);
}

// ---- the slqsim binary -------------------------------------------------------------------

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("slqsim_test_options") {}
};

// quantize, encode and run share their defaults: an image encoded with defaults is the one a
// default run simulates (theta = 2^-5 everywhere).
TEST(OptionsCommands, OneDefaultAcrossCommands) {
  TempDir dir;
  const test::Result q1 = test::slqsim(dir, "quantize 0.3 -0.01 0.7");
  const test::Result q2 = test::slqsim(dir, "quantize --theta 0.03125 --L 2 --bits 5 0.3 -0.01 0.7");
  ASSERT_EQ(q1.exit_code, 0) << q1.err;
  EXPECT_EQ(q1.out, q2.out);
  const test::Result q0 = test::slqsim(dir, "quantize --theta 0 0.3 -0.01 0.7");
  EXPECT_NE(q1.out, q0.out) << "theta must matter for these values";
  for (const char* extra : {"", "--theta 0.03125"}) {
    const test::Result r = test::slqsim(dir, "encode --model '" + test::kModel + "' --format tag --out '" +
                                                 (dir / (std::string("e") + (*extra ? "1" : "0"))) + "' " + extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(test::read_text(dir / "e0/0_Conv.tag.hex"), test::read_text(dir / "e1/0_Conv.tag.hex"));
  ASSERT_EQ(test::slqsim(dir, "run --model '" + test::kModel + "' --images 1 --calibration-images 8 --sim-mode model "
                                  "--encodings tag --report-dir '" + (dir / "r") + "'")
                .exit_code,
            0);
  const auto summary = nlohmann::json::parse(test::read_text(dir / "r/summary.json"));
  EXPECT_EQ(summary["config"]["theta"], 0.03125);
}

// Per-layer theta from a flag and from a YAML map give the same run; it changes that layer only.
TEST(OptionsCommands, PerLayerThetaFromFlagsAndYaml) {
  TempDir dir;
  const std::string base = "run --model '" + test::kModel +
                           "' --images 2 --calibration-images 8 --sim-mode model --encodings tag --reproducible ";
  ASSERT_EQ(test::slqsim(dir, base + "--report-dir '" + (dir / "default") + "'").exit_code, 0);
  const test::Result flag = test::slqsim(
      dir, base + "--layer-theta 0_Conv=0,9_Gemm=0.03125 --layer-L 3_Conv=2,7_Gemm=2 --report-dir '" + (dir / "flag") + "'");
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  {
    std::ofstream yaml(dir / "layers.yaml");
    yaml << "layer-theta:\n  0_Conv: 0\n  9_Gemm: 0.03125\nlayer-L: {3_Conv: 2, 7_Gemm: 2}\n";
  }
  const test::Result file =
      test::slqsim(dir, base + "--config '" + (dir / "layers.yaml") + "' --report-dir '" + (dir / "yaml") + "'");
  ASSERT_EQ(file.exit_code, 0) << file.err;
  EXPECT_EQ(test::read_text(dir / "flag/layers.csv"), test::read_text(dir / "yaml/layers.csv"));
  const auto d = nlohmann::json::parse(test::read_text(dir / "default/summary.json"));
  const auto f = nlohmann::json::parse(test::read_text(dir / "flag/summary.json"));
  EXPECT_EQ(f["config"]["layer_theta"]["0_Conv"], 0.0);
  EXPECT_EQ(f["config"]["layer_theta"].size(), 2u);  // every entry of a YAML map, not the first only
  EXPECT_EQ(f["config"]["layer_L"].size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(test::read_text(dir / "yaml/summary.json"))["config"], f["config"]);
  EXPECT_FALSE(d["config"].contains("layer_theta"));
  EXPECT_GT(f["encodings"][0]["words_per_weight"].get<double>(), d["encodings"][0]["words_per_weight"].get<double>());
  // Only 0_Conv changed: the other layers' rows are the same (but for their energy, the last
  // column: 0_Conv's bits resize the weight memory, whose reads every layer pays).
  std::istringstream a(test::read_text(dir / "default/layers.csv")), b(test::read_text(dir / "flag/layers.csv"));
  std::string la, lb;
  int same = 0, differ = 0;
  while (std::getline(a, la) && std::getline(b, lb)) {
    la = la.substr(0, la.rfind(','));
    lb = lb.substr(0, lb.rfind(','));
    if (la.find(",0_Conv,") != std::string::npos) differ += la != lb;
    else if (la.find(",layer,") == std::string::npos) same += la == lb;
  }
  EXPECT_EQ(differ, 1);
  EXPECT_GE(same, 2);
}

TEST(OptionsCommands, BadPerLayerValuesExitTwo) {
  TempDir dir;
  const std::string base = "run --model '" + test::kModel + "' --images 1 --calibration-images 8 --sim-mode model ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--layer-theta nope=0.1", "--layer-theta: no layer 'nope' in the model (layers: 0_Conv, 3_Conv"},
      {"--layer-theta 0_Conv=2", "--layer-theta: 0_Conv = 2 out of range [0, 1)"},
      {"--layer-L 0_Conv=x", "--layer-L: 'x' is not a number"},
      {"--layer-L 0_Conv", "expected LAYER=VALUE"},
      {"--images -1", "--images"},
  };
  for (const auto& [args, expected] : cases) {
    const test::Result r = test::slqsim(dir, base + args + " --report-dir '" + (dir / "r") + "'");
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << args << ": " << r.err;
  }
}
