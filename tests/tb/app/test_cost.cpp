// The cost model (docs/cost.md): the worked example by hand, a table that prices memory reads
// only, the shipped table's reading, bad tables, and the reports' energy fields.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "models/codec/codec.h"
#include "models/cost/energy.h"
#include "models/pipeline/schedule.h"
#include "tb/app/energy_table.h"
#include "tests/tb/cli_test_util.h"

using namespace slq;

namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("slqsim_test_cost") {}
};

CodeParams special_code() {
  CodeParams p;
  p.format = Format::special;
  p.max_words = 2;
  return p;
}

}  // namespace

// docs/cost.md's worked example: the special pass of docs/cycles.md (weights {8}, {8, -8}, {8},
// one lane, B = 1) priced with the shipped table, by hand: 6.226 pJ.
TEST(Cost, WorkedExampleByHand) {
  const EnergyTable t = tb::read_energy_table(tb::default_energy_table());
  WeightWords w;
  for (const std::vector<int>& x : std::vector<std::vector<int>>{{8}, {8, -8}, {8}}) w.add(x);
  const CodeParams code = special_code();
  const PackedStream s = pack_stream(w, code);
  const PassSchedule p = schedule_pass(s.mem, code, 3, 3, {});
  const ActionCounts a = action_counts(p.timing, 1);
  EXPECT_EQ(a["memory.read"], 1u);
  EXPECT_EQ(a["decoder.field"], 5u);
  EXPECT_EQ(a["fifo.push"], 4u);
  EXPECT_EQ(a["controller.term"], 4u);
  EXPECT_EQ(a["sng.lane_cycle"], 4u);
  EXPECT_EQ(a["counter.lane_cycle"], 4u);
  EXPECT_EQ(a["output.row"], 1u);
  EXPECT_EQ(a["clock.cycle"], 8u);
  CostParams c;
  c.lanes = 1;
  c.memory_bytes = 4;  // one 32-bit word: below the table's 8 KB point, so 10 pJ per 64 bits
  const Energy e = energy_of(a, t, c);
  EXPECT_DOUBLE_EQ(e.by_component.at("memory"), 5.0);       // 1 read x 10 pJ x 32/64
  EXPECT_DOUBLE_EQ(e.by_component.at("decoder"), 0.25);     // 5 fields x 0.05 pJ
  EXPECT_DOUBLE_EQ(e.by_component.at("fifo"), 0.16);        // 4 pushes and 4 pops x 0.02 pJ
  EXPECT_DOUBLE_EQ(e.by_component.at("controller"), 0.12);  // 4 terms x 0.03 pJ
  EXPECT_DOUBLE_EQ(e.by_component.at("sng"), 0.016);        // 4 lane-cycles x 0.004 pJ x B = 1
  EXPECT_DOUBLE_EQ(e.by_component.at("counter"), 0.3);      // 4 lane-cycles x 0.075 pJ
  EXPECT_DOUBLE_EQ(e.by_component.at("output"), 0.3);       // 1 row x 1 lane x 0.3 pJ
  EXPECT_DOUBLE_EQ(e.by_component.at("clock"), 0.08);       // 8 cycles x 1 lane x 0.01 pJ
  EXPECT_NEAR(e.total(), 6.226, 1e-12);
}

// A component's area per weight format (area_um2_by_format): the decoder's in the shipped table,
// measured; any component may have one, scaled by the lanes like area_um2; other formats and the
// components without one take area_um2.
TEST(Cost, AreaByFormat) {
  EnergyTable t = tb::read_energy_table(tb::default_energy_table());
  CostParams p;
  p.lanes = 4;
  p.format = "tag";
  const double tag_decoder = area_of(t, p).at("decoder");
  p.format = "special";
  EXPECT_EQ(area_of(t, p).at("decoder"), t.areas.at("decoder").um2_by_format.at("special"));
  EXPECT_NE(area_of(t, p).at("decoder"), tag_decoder);
  p.format = "";
  EXPECT_EQ(area_of(t, p).at("decoder"), t.areas.at("decoder").um2);

  EnergyTable::Area& sng = t.areas.at("sng");
  ASSERT_TRUE(sng.per_lane);
  sng.um2_by_format["lq"] = 7;
  p.format = "lq";
  EXPECT_EQ(area_of(t, p).at("sng"), 7.0 * p.lanes);
  p.format = "tag";
  EXPECT_EQ(area_of(t, p).at("sng"), sng.um2 * p.lanes);
}

TEST(Cost, SramReadEnergyGrowsWithTheMemory) {
  const EnergyTable t = tb::read_energy_table(tb::default_energy_table());
  const EnergyTable::Action& read = t.actions.at("memory.read");
  EXPECT_DOUBLE_EQ(sram_read_pj(read, 8192, 64), 10.0);
  EXPECT_DOUBLE_EQ(sram_read_pj(read, 32768, 64), 20.0);
  EXPECT_NEAR(sram_read_pj(read, 16384, 64), std::sqrt(10.0 * 20.0), 1e-9);  // log-log halfway
  EXPECT_DOUBLE_EQ(sram_read_pj(read, 1 << 30, 32), 50.0);                    // clamped, 32 of 64 bits
  // "fnv1a64:" and all 16 hex digits of the hash (a 24-byte buffer once cut off the last one).
  EXPECT_EQ(t.digest.size(), 8u + 16u);
  EXPECT_EQ(t.digest.rfind("fnv1a64:", 0), 0u);
  EXPECT_EQ(t.digest.find_first_not_of("0123456789abcdef", 8), std::string::npos);
}

// Every energy 0 but memory.read = 1 pJ: the memory's energy per image is the memory reads per
// image, and so is the total.
TEST(CostCommands, MemoryReadsOnlyTable) {
  TempDir dir;
  std::string table = test::read_text(tb::default_energy_table());
  std::ostringstream zeroed;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find("energy_pj:");
    if (at != std::string::npos) line = line.substr(0, at) + "energy_pj: 0";
    if (line.find("energy_pj_by_size") != std::string::npos) line = line.substr(0, line.find("energy_pj_by_size")) + "energy_pj: 1";
    if (line.find("per_bits:") != std::string::npos) continue;
    zeroed << line << "\n";
  }
  { std::ofstream(dir / "reads.yaml") << zeroed.str(); }
  const test::Result r = test::slqsim(dir, "run --model '" + test::kModel + "' --images 3 --calibration-images 8 --energy-table '" +
                                               (dir / "reads.yaml") + "' --report-dir '" + (dir / "r") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = nlohmann::json::parse(test::read_text(dir / "r/summary.json"));
  std::map<std::string, uint64_t> reads;
  std::istringstream csv(test::read_text(dir / "r/layers.csv"));
  std::string line;
  std::getline(csv, line);
  std::vector<std::string> header;
  for (std::stringstream h(line); std::getline(h, line, ',');) header.push_back(line);
  const size_t column = std::find(header.begin(), header.end(), "memory_read_count") - header.begin();
  ASSERT_LT(column, header.size());
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    for (std::stringstream h(line); std::getline(h, line, ',');) f.push_back(line);
    reads[f[0]] += std::stoull(f[column]);
  }
  ASSERT_EQ(reads.size(), 4u);
  for (const auto& e : s["encodings"]) {
    const double per_image = double(reads[e["name"]]) / 3.0;
    EXPECT_DOUBLE_EQ(e["energy_pj_per_image"].get<double>(), per_image) << e["name"];
    EXPECT_DOUBLE_EQ(e["energy_pj_per_image_by_component"]["memory"].get<double>(), per_image) << e["name"];
  }
  EXPECT_EQ(s["config"]["energy_table"], dir / "reads.yaml");
  EXPECT_NE(s["config"]["energy_table_digest"], "");
}

TEST(CostCommands, ReportsCarryEnergyAndTheBaseline) {
  TempDir dir;
  const test::Result r = test::slqsim(dir, "run --model '" + test::kModel +
                                               "' --images 2 --calibration-images 8 --report-dir '" + (dir / "r") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("uJ/image"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("binary8"), std::string::npos) << r.out;
  const auto s = nlohmann::json::parse(test::read_text(dir / "r/summary.json"));
  for (const auto& e : s["encodings"]) {
    double sum = 0, area = 0;
    for (const auto& [k, v] : e["energy_pj_per_image_by_component"].items()) sum += v.get<double>();
    for (const auto& [k, v] : e["area_um2_by_block"].items()) area += v.get<double>();
    EXPECT_NEAR(sum, e["energy_pj_per_image"].get<double>(), 1e-6 * sum) << e["name"];
    EXPECT_NEAR(area, e["area_um2"].get<double>(), 1e-6 * area);
    EXPECT_GT(e["energy_delay_product_pj_ns"].get<double>(), 0);
  }
  // special stores fewer bits than tag: a smaller memory, cheaper reads, less area.
  EXPECT_LT(s["encodings"][1]["energy_pj_per_image_by_component"]["memory"].get<double>(),
            s["encodings"][0]["energy_pj_per_image_by_component"]["memory"].get<double>());
  EXPECT_LT(s["encodings"][1]["area_um2_by_block"]["memory"].get<double>(),
            s["encodings"][0]["area_um2_by_block"]["memory"].get<double>());
  EXPECT_GT(s["binary_baseline"]["energy_pj_per_image"].get<double>(), 0);
  EXPECT_NE(test::read_text(dir / "r/stats.txt").find("counter.lane_cycle"), std::string::npos);
  EXPECT_NE(test::read_text(dir / "r/layers.csv").find(",energy_pj\n"), std::string::npos);
}

TEST(CostCommands, BadTablesExitTwo) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"actions: {}\ncomponents: {}\n", "memory.read"},
      {"actions:\n  memory.read: {energy_pj: -1, source: x}\ncomponents: {}\n", "energy_pj must be a finite number >= 0"},
      {"actions:\n  memory.read: {energy_pj: 1}\ncomponents: {}\n", "needs a source"},
      {"actions:\n  memory.read: {energy_pj: 1, source: x, bogus: 2}\ncomponents: {}\n", "unknown key 'bogus'"},
      {"a: &x 1\n", "anchors"},
  };
  int k = 0;
  for (const auto& [text, expected] : cases) {
    const std::string file = dir / ("t" + std::to_string(k++) + ".yaml");
    { std::ofstream(file) << text; }
    const test::Result r = test::slqsim(dir, "run --model '" + test::kModel + "' --images 1 --energy-table '" + file +
                                                 "' --report-dir '" + (dir / "r") + "'");
    EXPECT_EQ(r.exit_code, 2) << text << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
  }
}

// The picture of energy per image by component (tools/plot_energy.py, Debian's matplotlib).
TEST(CostCommands, EnergyPicture) {
  TempDir dir;
  ASSERT_EQ(test::slqsim(dir, "run --model '" + test::kModel + "' --images 1 --calibration-images 8 --sim-mode model "
                                  "--report-dir '" + (dir / "r") + "'")
                .exit_code,
            0);
  const test::Result plot = test::run_command(dir, std::string("/usr/bin/python3 '") + SLQSIM_SOURCE_DIR +
                                                       "/tools/plot_energy.py' '" + (dir / "r/summary.json") + "'");
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  const std::string png = test::read_text(dir / "r/energy.png");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 4), "\x89PNG");
}
