// slqsim compare: encodings in lockstep. The worked example of the cycle rules (fill, marker
// stall) in the timeline and the VCD; the real binary on the shipped model and on synthetic
// layers (scopes, .gtkw, FST, timeline == VCD == pass statistics); results and cycles equal to
// `slqsim run`; bad input. The in-process test elaborates once (one TEST per process).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "models/io/npy.h"
#include "tb/wave/timeline.h"
#include "tests/tb/cli_test_util.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using slq::test::kModel;
const std::vector<std::string> kEncodings = {"tag", "special", "lq", "linear"};

using slq::test::read_text;
using slq::test::Result;
using slq::test::run_command;
using slq::test::slqsim;

// A fresh directory per test, removed afterwards.
struct TempDir : slq::test::TempDir {
  TempDir() : slq::test::TempDir("slqsim_test_compare") {}
};
bool have_program(const std::string& name) { return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0; }

// A VCD read back: declared signals and their value changes in cycles.
struct Vcd {
  std::vector<std::string> paths;                                  // "SystemC.tag.decoder.status"
  std::map<std::string, std::vector<std::pair<uint64_t, int64_t>>> changes;  // path -> (cycle, value)
  // The value at the end of `cycle` (after its last change).
  int64_t at(const std::string& path, uint64_t cycle) const {
    int64_t v = 0;
    for (const auto& [c, value] : changes.at(path)) {
      if (c > cycle) break;
      v = value;
    }
    return v;
  }
  std::set<std::string> scope_signals(const std::string& scope) const {  // below SystemC.<scope>.
    std::set<std::string> out;
    const std::string prefix = "SystemC." + scope + ".";
    for (const auto& p : paths)
      if (p.rfind(prefix, 0) == 0) out.insert(p.substr(prefix.size()));
    return out;
  }
};

Vcd read_vcd(const std::string& path, double period_ps = 1000) {
  std::ifstream in(path);
  Vcd vcd;
  std::map<std::string, std::pair<std::string, int>> ids;  // id -> (path, width)
  std::vector<std::string> scopes;
  double unit_ps = 1;
  std::string token;
  while (in >> token && token != "$enddefinitions") {
    if (token == "$scope") {
      std::string kind, name;
      in >> kind >> name;
      scopes.push_back(name);
    } else if (token == "$upscope") {
      scopes.pop_back();
    } else if (token == "$timescale") {
      std::string number, unit;
      in >> number >> unit;
      unit_ps = std::stod(number) * (unit == "ns" ? 1000 : unit == "ps" ? 1 : 1e-3);
    } else if (token == "$var") {
      std::string type, id, name, path;
      int width = 0;
      in >> type >> width >> id >> name;
      for (const auto& s : scopes) path += s + ".";
      ids[id] = {path + name, width};
      vcd.paths.push_back(path + name);
    }
  }
  uint64_t cycle = 0;
  auto record = [&](const std::string& id, const std::string& bits) {
    const auto& [p, width] = ids.at(id);
    uint64_t u = 0;  // unsigned: a 64-bit (or wider) vector wraps instead of overflowing an int64_t
    for (char b : bits) u = u << 1 | uint64_t{b == '1'};
    // The bit pattern as a two's-complement int64_t, without an out-of-range conversion.
    int64_t v = u > uint64_t{INT64_MAX} ? -static_cast<int64_t>(~u) - 1 : static_cast<int64_t>(u);
    if (bits.size() == size_t(width) && width > 1 && width < 64 && bits[0] == '1') v -= int64_t{1} << width;
    vcd.changes[p].push_back({cycle, v});
  };
  while (in >> token) {
    if (token == "$comment") {
      while (in >> token && token != "$end") {
      }
    } else if (token[0] == '#') {
      cycle = static_cast<uint64_t>(std::stod(token.substr(1)) * unit_ps / period_ps);
    } else if (token[0] == 'b') {
      std::string id;
      in >> id;
      record(id, token.substr(1));
    } else if (token[0] == '0' || token[0] == '1') {
      record(token.substr(1), token.substr(0, 1));
    }
  }
  return vcd;
}

std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string cell; std::getline(hs, cell, ',');) header.push_back(cell);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::map<std::string, std::string> row;
    std::stringstream ls(line);
    std::string cell;
    for (size_t k = 0; k < header.size(); ++k) {
      std::getline(ls, cell, ',');
      row[header[k]] = cell;
      cell.clear();
    }
    rows.push_back(row);
  }
  return rows;
}

// layers.csv of `run`: the row of (encoding, layer).
std::map<std::string, std::string> layer_row(const std::string& csv, const std::string& encoding, const std::string& layer) {
  for (auto& row : read_csv(csv))
    if (row["encoding"] == encoding && row["layer"] == layer) return row;
  ADD_FAILURE() << "no row for " << encoding << " " << layer << " in " << csv;
  return {};
}

slq::QuantLayer example_layer(slq::Format f, const std::vector<std::vector<int>>& weights) {
  slq::QuantLayer q;
  q.name = "example";
  q.rows = 1;
  q.cols = static_cast<int>(weights.size());
  slq::CodeParams p;
  p.format = f;
  p.max_words = 2;
  slq::WeightWords words;
  for (const auto& w : weights) words.add(w);
  q.image.params = p;
  q.image.weight_count = weights.size();
  q.image.stream = slq::pack_stream(words, p);
  q.terms = slq::stream_terms(words, p);
  return q;
}

}  // namespace

// docs/cycles.md, example 2 against example 3: weights {8}, {8, -8}, {8} (terms of one cycle).
// tag and special start together; the marker costs special one decoder stall in cycle 4.
TEST(CompareLockstep, WorkedExampleCycleByCycle) {
  TempDir dir;
  const slq::QuantLayer tag = example_layer(slq::Format::tag, {{8}, {8, -8}, {8}});
  const slq::QuantLayer special = example_layer(slq::Format::special, {{8}, {8, -8}, {8}});
  std::vector<slq::PassRequest> requests(2);
  requests[0].layer = &tag;
  requests[1].layer = &special;
  for (auto& r : requests) {
    r.acts = {255, 255, 255};
    r.active_lanes = 1;
  }
  slq::hw::AccelConfig config;
  config.array.lanes = 1;
  std::ostringstream csv;
  slq::tb::LockstepOptions options;
  options.vcd = dir / "example.vcd";
  options.csv = &csv;
  const auto result = slq::tb::run_lockstep(requests, {"tag", "special"}, config, options);

  const auto& t = result.timelines;
  EXPECT_EQ(t[0].cycles, 7u);  // fill 2 + 4 term cycles + hand-off
  EXPECT_EQ(t[1].cycles, 8u);
  EXPECT_EQ(t[0].stalls(), 0u);
  EXPECT_EQ(t[1].stall_cycles[int(slq::hw::StallCause::decoder)], 1u);
  ASSERT_TRUE(t[1].behind_from.has_value());
  EXPECT_EQ(*t[1].behind_from, 4u);  // tag finishes weight 1 in cycle 4, special waits for its second term
  EXPECT_EQ(t[1].weight_cycles, (std::vector<uint64_t>{1, 3, 1}));  // weight 1: 2 terms + the stall
  EXPECT_EQ(result.outcomes[0].acc, std::vector<int64_t>{2});       // 1 + (1 - 1) + 1
  EXPECT_EQ(result.outcomes[1].acc, result.outcomes[0].acc);
  for (size_t e = 0; e < 2; ++e) EXPECT_EQ(result.outcomes[e].stats.cycles, t[e].cycles);

  // The timeline, cycle by cycle (rows: cycle, encoding, state, sign, exponent, first, weight,
  // stall cause, down-counter, weights completed, lane 0's accumulator).
  const std::string expected =
      "cycle,encoding,state,term_sign,term_exponent,term_first,weight_index,stall_cause,down_counter,"
      "weights_completed,acc_lane0\n"
      "0,tag,fill,,,,,none,0,0,0\n0,special,fill,,,,,none,0,0,0\n"
      "1,tag,fill,,,,,none,0,0,0\n1,special,fill,,,,,none,0,0,0\n"
      "2,tag,busy,1,8,1,0,none,0,1,1\n2,special,busy,1,8,1,0,none,0,1,1\n"
      "3,tag,busy,1,8,1,1,none,0,1,2\n3,special,busy,1,8,1,1,none,0,1,2\n"
      "4,tag,busy,-1,8,0,1,none,0,2,1\n4,special,stall,,,,,decoder,0,1,2\n"
      "5,tag,busy,1,8,1,2,none,0,3,2\n5,special,busy,-1,8,0,1,none,0,2,1\n"
      "6,tag,done,,,,,none,0,3,2\n6,special,busy,1,8,1,2,none,0,3,2\n"
      "7,tag,done,,,,,none,0,3,2\n7,special,done,,,,,none,0,3,2\n";
  EXPECT_EQ(csv.str(), expected);

  // The same story in the waveform: one scope per encoding with the same signals.
  const Vcd vcd = read_vcd(result.vcd_path);
  EXPECT_FALSE(vcd.scope_signals("tag").empty());
  EXPECT_EQ(vcd.scope_signals("tag"), vcd.scope_signals("special"));
  for (const char* e : {"tag", "special"}) {
    const std::string busy = std::string("SystemC.") + e + ".controller.busy";
    EXPECT_EQ(vcd.at(busy, 1), 0) << e;
    EXPECT_EQ(vcd.at(busy, 2), 1) << e << ": the first term starts in cycle 2";
  }
  EXPECT_EQ(vcd.at("SystemC.special.decoder.status", 3), int(slq::hw::DecoderStatus::no_term));  // the marker
  EXPECT_EQ(vcd.at("SystemC.special.controller.stall_cause", 3), 0);
  EXPECT_EQ(vcd.at("SystemC.special.controller.stall_cause", 4), int(slq::hw::StallCause::decoder));
  EXPECT_EQ(vcd.at("SystemC.special.controller.busy", 4), 0);
  EXPECT_EQ(vcd.at("SystemC.special.controller.busy", 5), 1);
  EXPECT_EQ(vcd.at("SystemC.special.controller.stall_cause", 5), 0);
  EXPECT_EQ(vcd.at("SystemC.tag.controller.stall_cause", 4), 0);
  EXPECT_EQ(vcd.at("SystemC.tag.controller.weight_index", 4), 1);
  EXPECT_EQ(vcd.at("SystemC.special.controller.weight_index", 5), 1);
  EXPECT_EQ(vcd.at("SystemC.special.array.acc_lane0", 5), 1);
}

// The "done when": the first layer of the shipped model, all four encodings.
TEST(CompareCommand, ShippedModelFirstLayerAllEncodings) {
  TempDir dir;
  const Result r = slqsim(dir, "compare --model '" + kModel + "' --layer 0_Conv --encodings tag,special,lq,linear --vcd '" +
                                   (dir / "c.vcd") + "' --timeline '" + (dir / "t.csv") + "' --json '" +
                                   (dir / "c.json") + "'" + (have_program("vcd2fst") ? " --fst" : ""));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& e : kEncodings) EXPECT_NE(r.out.find("\n" + e + " "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("behind_tag_from"), std::string::npos) << r.out;

  // One scope per encoding, the same signals under each.
  const Vcd vcd = read_vcd(dir / "c.vcd");
  for (const auto& e : kEncodings) {
    EXPECT_FALSE(vcd.scope_signals(e).empty()) << e;
    EXPECT_EQ(vcd.scope_signals(e), vcd.scope_signals("tag")) << e;
  }
  // The save file names every traced signal, and groups the same signal of all encodings.
  const std::string gtkw = read_text(dir / "c.gtkw");
  for (const auto& path : vcd.paths) EXPECT_NE(gtkw.find(path), std::string::npos) << path;
  const size_t group = gtkw.find("@800200\n-decoder.status\n");
  ASSERT_NE(group, std::string::npos);
  size_t at = group;
  for (const auto& e : kEncodings) {
    const size_t next = gtkw.find("SystemC." + e + ".decoder.status", at);
    EXPECT_LT(next, gtkw.find("@1000200\n-decoder.status\n")) << e;
    at = next;
  }
  if (have_program("vcd2fst")) {  // vcd2fst accepted the VCD; the FST keeps a scope per encoding
    ASSERT_TRUE(fs::exists(dir / "c.fst"));
    EXPECT_GT(fs::file_size(dir / "c.fst"), 0u);
    EXPECT_NE(gtkw.find(dir / "c.fst"), std::string::npos);
    if (have_program("fst2vcd")) {
      const Result back = run_command(dir, "fst2vcd '" + (dir / "c.fst") + "'");
      for (const auto& e : kEncodings) EXPECT_NE(back.out.find("$scope module " + e + " $end"), std::string::npos) << e;
    }
  }

  // The timeline: every cycle of every encoding, busy rows = the pass's busy cycles, first term
  // in cycle 2 (fill = 2 cycles).
  const json summary = json::parse(read_text(dir / "c.json"));
  const auto rows = read_csv(dir / "t.csv");
  uint64_t longest = 0;
  for (const auto& e : summary["encodings"]) longest = std::max<uint64_t>(longest, e["cycles"]);
  EXPECT_EQ(rows.size(), longest * kEncodings.size());
  for (const auto& e : summary["encodings"]) {
    const std::string name = e["name"];
    uint64_t busy = 0, first_busy = UINT64_MAX, stalls = 0;
    for (const auto& row : rows) {
      if (row.at("encoding") != name) continue;
      const uint64_t cycle = std::stoull(row.at("cycle"));
      if (cycle < 2) {
        EXPECT_EQ(row.at("state"), "fill");
      }
      if (row.at("state") == "busy") {
        ++busy;
        first_busy = std::min(first_busy, cycle);
      }
      stalls += row.at("state") == "stall";
    }
    EXPECT_EQ(busy, e["busy_cycles"].get<uint64_t>()) << name;
    EXPECT_EQ(stalls, e["stall_decoder_cycles"].get<uint64_t>() + e["stall_memory_cycles"].get<uint64_t>() +
                          e["stall_fifo_cycles"].get<uint64_t>())
        << name;
    EXPECT_EQ(first_busy, 2u) << name;
  }
}

// compare's accumulators and cycles equal those of the same pass in `slqsim run` (conv: one tile
// of 1024 lanes covers image 0's 784 positions; dense: the first batch of 16 images).
TEST(CompareCommand, EqualsRunForConvAndDense) {
  TempDir dir;
  struct Case {
    std::string layer, run_args, compare_args;
    int lanes;
  };
  const Case cases[] = {{"0_Conv", "--images 1 --lanes 1024", "--lanes 1024 --tile 0", 1024},
                        {"9_Gemm", "--images 16 --lanes 16", "--lanes 16 --image 0", 16}};
  for (const Case& c : cases) {
    const std::string run_dir = dir / ("run_" + c.layer), dumps = dir / ("dumps_" + c.layer);
    Result r = slqsim(dir, "run --model '" + kModel + "' " + c.run_args + " --report-dir '" + run_dir + "' --dump-dir '" +
                               dumps + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = slqsim(dir, "compare --model '" + kModel + "' --layer " + c.layer + " " + c.compare_args + " --vcd '" +
                        (dir / (c.layer + ".vcd")) + "' --json '" + (dir / (c.layer + ".json")) + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json summary = json::parse(read_text(dir / (c.layer + ".json")));
    for (const auto& e : summary["encodings"]) {
      const std::string name = e["name"];
      auto row = layer_row(run_dir + "/layers.csv", name, c.layer);
      EXPECT_EQ(std::to_string(e["cycles"].get<uint64_t>()), row["cycles"]) << c.layer << " " << name;
      EXPECT_EQ(std::to_string(e["busy_cycles"].get<uint64_t>()), row["busy_cycles"]) << c.layer << " " << name;
      EXPECT_EQ(std::to_string(e["stall_decoder_cycles"].get<uint64_t>()), row["stall_decoder_cycles"]) << name;
      std::vector<int64_t> shape;
      const std::vector<int32_t> dump = slq::read_npy_int32(dumps + "/" + name + "_" + c.layer + ".npy", &shape);
      const std::vector<int64_t> acc = e["accumulators"];  // [row * lanes + lane]
      const int rows = summary["rows"];
      size_t checked = 0;
      if (c.layer == "0_Conv") {  // dump [1, C, H, W]: lane = output position
        const int64_t positions = shape[2] * shape[3];
        for (int row = 0; row < rows; ++row)
          for (int64_t p = 0; p < positions; ++p, ++checked)
            ASSERT_EQ(acc[row * c.lanes + p], dump[row * positions + p]) << name << " row " << row << " position " << p;
      } else {  // dump [images, O]: lane = image
        for (int row = 0; row < rows; ++row)
          for (int lane = 0; lane < c.lanes; ++lane, ++checked)
            ASSERT_EQ(acc[row * c.lanes + lane], dump[lane * rows + row]) << name << " row " << row << " image " << lane;
      }
      EXPECT_GT(checked, 0u);
    }
  }
}

// A synthetic layer decoder-bound enough to stall: the VCD and the timeline tell the same story
// in every cycle, and --window limits both.
TEST(CompareCommand, SyntheticTimelineMatchesWaveform) {
  TempDir dir;
  const std::string common = "compare --synthetic 4x32 --weight-dist laplace --seed 3 --bits-per-cycle 64 --theta 0 ";
  Result r = slqsim(dir, common + "--vcd '" + (dir / "s.vcd") + "' --timeline '" + (dir / "s.csv") + "' --json '" +
                             (dir / "s.json") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Vcd vcd = read_vcd(dir / "s.vcd");
  const auto rows = read_csv(dir / "s.csv");
  std::map<std::string, uint64_t> stalls;
  for (const auto& row : rows) {
    const std::string e = row.at("encoding"), p = "SystemC." + e + ".controller.";
    const uint64_t cycle = std::stoull(row.at("cycle"));
    const std::string& state = row.at("state");
    SCOPED_TRACE(e + " cycle " + row.at("cycle"));
    if (state == "busy") {
      EXPECT_EQ(vcd.at(p + "busy", cycle), 1);
      EXPECT_EQ(vcd.at(p + "weight_index", cycle), std::stoll(row.at("weight_index")));
      EXPECT_EQ(vcd.at(p + "down_counter", cycle), std::stoll(row.at("down_counter")));
      EXPECT_EQ(vcd.at("SystemC." + e + ".array.acc_lane0", cycle), std::stoll(row.at("acc_lane0")));
    } else if (state == "stall") {
      EXPECT_EQ(vcd.at(p + "busy", cycle), 0);
      const int code = row.at("stall_cause") == "decoder" ? 1 : row.at("stall_cause") == "memory" ? 2 : 3;
      EXPECT_EQ(vcd.at(p + "stall_cause", cycle), code);
      ++stalls[e];
    }
  }
  EXPECT_GT(stalls["special"], stalls["tag"]) << "markers cost special extra decoder stalls";
  const json summary = json::parse(read_text(dir / "s.json"));
  EXPECT_FALSE(summary["encodings"][1]["behind_reference_from_cycle"].is_null());
  EXPECT_FALSE(summary["encodings"][1]["costliest_weights"].empty());

  r = slqsim(dir, common + "--window 10:40 --vcd '" + (dir / "w.vcd") + "' --timeline '" + (dir / "w.csv") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto window_rows = read_csv(dir / "w.csv");
  EXPECT_EQ(window_rows.size(), 31u * kEncodings.size());
  for (const auto& row : window_rows) {
    EXPECT_GE(std::stoull(row.at("cycle")), 10u);
    EXPECT_LE(std::stoull(row.at("cycle")), 40u);
  }
  const Vcd windowed = read_vcd(dir / "w.vcd");
  for (const auto& [path, changes] : windowed.changes)
    if (path.find(".controller.") != std::string::npos || path.find(".array.") != std::string::npos)
      for (const auto& [cycle, value] : changes)
        if (cycle != 0) {
          EXPECT_TRUE(cycle >= 10 && cycle <= 40) << path << " changes in cycle " << cycle;
        }
}

TEST(CompareCommand, BadInputExitsTwoWithOneLine) {
  TempDir dir;
  const std::string model = "compare --model '" + kModel + "' --vcd '" + (dir / "x.vcd") + "' ";
  const std::pair<std::string, std::string> cases[] = {
      {model + "--layer nope", "valid: 0_Conv (/0/Conv), 3_Conv (/3/Conv)"},
      {model + "--layer 0_Conv --window 50:10", "--window"},
      {model + "--layer 0_Conv --window ten:20", "--window"},
      {"compare --model '" + (dir / "missing.onnx") + "' --layer 0_Conv --vcd '" + (dir / "x.vcd") + "'", "missing.onnx"},
      {model + "--layer 0_Conv --image 10000", "--image"},
      {model + "--layer 0_Conv --tile 49", "--tile"},
      {model + "--layer 9_Gemm --tile 0", "--tile"},
      {model + "--layer 0_Conv --lane 16", "--lane"},
      {model + "--layer 0_Conv --encodings tag,tag", "--encodings"},
      {model, "--layer"},
      {"compare --vcd '" + (dir / "x.vcd") + "'", "--model"},
      {"compare --synthetic 4by8 --vcd '" + (dir / "x.vcd") + "'", "--synthetic"},
      {"compare --synthetic 4x8 --weight-dist normal --vcd '" + (dir / "x.vcd") + "'", "--weight-dist"},
      {model + "--layer 0_Conv --synthetic 4x8", "--synthetic"},
      {"compare --synthetic 4x8 --vcd '" + (dir / "blocker/x.vcd") + "'", "cannot write the VCD"},
  };
  std::ofstream(dir / "blocker") << "a file, not a directory\n";
  for (const auto& [args, needle] : cases) {
    const Result r = slqsim(dir, args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("slqsim: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "x.vcd"));
}
