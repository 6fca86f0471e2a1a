// tb::VcdWriter against SystemC's own VCD writer: the same signals traced into both in one
// simulation give the same value changes at the same times; the reference clock and cycle number
// appear only inside their window; negative values keep their width; unsupported types and
// unwritable files are errors. Each TEST is one SystemC elaboration (its own process).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <unistd.h>

#include <systemc>

#include "models/errors.h"
#include "tb/wave/vcd_writer.h"

namespace fs = std::filesystem;
using slq::tb::VcdWriter;

namespace {

// Value changes by signal path ("SystemC.top.count"), as (time in units, value text).
struct Changes {
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> by_path;
  std::map<std::string, int> width;
  std::string header;
};

Changes parse(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  Changes c;
  std::map<std::string, std::string> id_path;
  std::vector<std::string> scopes;
  std::string token;
  while (in >> token && token != "$enddefinitions") {
    c.header += token + " ";
    if (token == "$scope") {
      std::string kind, name;
      in >> kind >> name;
      scopes.push_back(name);
      c.header += kind + " " + name + " ";
    } else if (token == "$upscope") {
      scopes.pop_back();
    } else if (token == "$var") {
      std::string type, id, name, p;
      int width = 0;
      in >> type >> width >> id >> name;
      for (const auto& s : scopes) p += s + ".";
      id_path[id] = p + name;
      c.width[p + name] = width;
    }
  }
  uint64_t now = 0;
  while (in >> token) {
    if (token == "$comment") {
      while (in >> token && token != "$end") {
      }
    } else if (token[0] == '#') {
      now = std::stoull(token.substr(1));
    } else if (token[0] == 'b') {
      std::string id;
      in >> id;
      c.by_path[id_path.at(id)].push_back({now, token.substr(1)});
    } else if (token[0] == '0' || token[0] == '1') {
      c.by_path[id_path.at(token.substr(1))].push_back({now, token.substr(0, 1)});
    }
  }
  return c;
}

// A few registers of every supported width, changing on a fixed schedule (one per cycle of 1 ns).
class Stimulus : public sc_core::sc_module {
 public:
  sc_core::sc_signal<bool> flag{"flag"};
  sc_core::sc_signal<uint8_t> small{"small"};
  sc_core::sc_signal<int> level{"level"};
  sc_core::sc_signal<int64_t> wide{"wide"};
  sc_core::sc_signal<uint64_t> count{"count"};
  SC_HAS_PROCESS(Stimulus);
  explicit Stimulus(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void trace(sc_core::sc_trace_file* tf) const {
    const std::string p = name();
    sc_core::sc_trace(tf, flag, p + ".flag");
    sc_core::sc_trace(tf, small, p + ".small");
    sc_core::sc_trace(tf, level, p + ".level");
    sc_core::sc_trace(tf, wide, p + ".sub.wide");
    sc_core::sc_trace(tf, count, p + ".count");
  }

 private:
  void run() {
    for (int c = 0; c < 8; ++c) {
      if (c % 2) flag.write(!flag.read());
      small.write(static_cast<uint8_t>(c * 37));
      level.write(c == 3 ? -5 : c);  // a negative value: full two's complement width
      if (c == 5) wide.write(-(int64_t{1} << 40));
      count.write(c < 4 ? c : 4);    // stops changing
      wait(1, sc_core::SC_NS);
    }
    sc_core::sc_stop();
  }
};

struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("slqsim_vcd_writer_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

TEST(VcdWriter, SameChangesAsSystemCsWriterAndAClockInItsWindow) {
  TempDir dir;
  auto* top = new Stimulus("top");  // alive to the end of the process
  VcdWriter::ClockOptions clock;
  clock.period_ps = 1000;
  clock.from = 2;
  clock.to = 5;
  VcdWriter ours((dir.path / "ours.vcd").string(), clock);
  top->trace(&ours);
  sc_core::sc_trace_file* theirs = sc_core::sc_create_vcd_trace_file((dir.path / "systemc").string().c_str());
  theirs->set_time_unit(100, sc_core::SC_PS);
  top->trace(theirs);
  sc_core::sc_start();
  ours.close();
  sc_core::sc_close_vcd_trace_file(theirs);

  const Changes a = parse((dir.path / "ours.vcd").string());
  const Changes b = parse((dir.path / "systemc.vcd").string());
  for (const char* sig : {"top.flag", "top.small", "top.level", "top.sub.wide", "top.count"}) {
    const std::string p = std::string("SystemC.") + sig;
    ASSERT_TRUE(a.by_path.count(p)) << p;
    EXPECT_EQ(a.by_path.at(p), b.by_path.at(p)) << p;
    EXPECT_EQ(a.width.at(p), b.width.at(p)) << p;
  }
  EXPECT_EQ(a.width.at("SystemC.top.sub.wide"), 64);
  // level = -5 at cycle 3 (30 units of 100 ps): 32 bits of two's complement.
  const auto& level = a.by_path.at("SystemC.top.level");
  ASSERT_GE(level.size(), 4u);
  EXPECT_EQ(level[3], (std::pair<uint64_t, std::string>{30, "11111111111111111111111111111011"}));
  EXPECT_EQ(a.by_path.at("SystemC.top.count").size(), 5u) << "0 at time 0, then 1, 2, 3, 4: no repeats";

  // The reference clock: low before cycle 2; rising at 20, 30, 40, 50 and falling 5 units later;
  // the cycle number with each rising edge; nothing after the window.
  std::vector<std::pair<uint64_t, std::string>> clk{{0, "0"}}, cycle{{0, "0"}};
  for (uint64_t c = 2; c <= 5; ++c) {
    clk.push_back({c * 10, "1"});
    clk.push_back({c * 10 + 5, "0"});
    std::string bits;
    for (uint64_t v = c; v; v /= 2) bits.insert(bits.begin(), static_cast<char>('0' + v % 2));
    cycle.push_back({c * 10, bits});
  }
  EXPECT_EQ(a.by_path.at("SystemC.clk"), clk);
  EXPECT_EQ(a.by_path.at("SystemC.cycle"), cycle);
  EXPECT_EQ(a.width.at("SystemC.cycle"), 64);
  // No wall-clock date: the same simulation gives the same bytes.
  std::ifstream in(dir.path / "ours.vcd");
  std::string first_lines((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(first_lines.find("(date omitted: reproducible waveform)"), std::string::npos);
}

TEST(VcdWriter, UnsupportedTypeAndUnwritableFileAreErrors) {
  TempDir dir;
  EXPECT_THROW(VcdWriter((dir.path / "missing" / "x.vcd").string(), {}), slq::InputError);
  VcdWriter w((dir.path / "w.vcd").string(), {});
  sc_core::sc_signal<double> real("real");
  EXPECT_THROW(sc_core::sc_trace(&w, real, "real"), std::logic_error);
  w.close();
  // Closed without a simulation: still a file with a header and the initial values.
  const Changes c = parse((dir.path / "w.vcd").string());
  EXPECT_EQ(c.by_path.at("SystemC.clk"), (std::vector<std::pair<uint64_t, std::string>>{{0, "1"}}));
  EXPECT_NE(c.header.find("$timescale 100 ps"), std::string::npos) << c.header;  // half of 1 ns: 5 units

  // An odd period: a 1 ps unit. A window starting beyond any reachable cycle: no clock edge.
  VcdWriter::ClockOptions odd;
  odd.period_ps = 1001;
  odd.from = UINT64_MAX - 1;
  VcdWriter o((dir.path / "o.vcd").string(), odd);
  o.close();
  const Changes oc = parse((dir.path / "o.vcd").string());
  EXPECT_NE(oc.header.find("$timescale 1 ps"), std::string::npos) << oc.header;
  EXPECT_EQ(oc.by_path.at("SystemC.clk"), (std::vector<std::pair<uint64_t, std::string>>{{0, "0"}}));
}

}  // namespace
