// The speed benchmarks of issue 6 behind one command (bench/run_benchmarks.sh calls this).
// Every measurement is a child process (SystemC elaborates once per process), repeated --runs
// times with the measurements interleaved, so that the load of a shared machine falls on all of
// them alike; the table shows medians and the ratios of those medians, then PASS/MISS per target.
//
//   bench_report --build DIR --model M.onnx [--runs 5] [--compare-images 16]
//                [--images-small 32] [--images-large 160] [--full] [--json FILE] [--work DIR]
//
// (a) per-cycle lane-cycles/s at P = 64, long terms, no tracing      (bench_array)
// (b) the same with a VCD written (slowdown factor)                   (bench_array --vcd)
// (c) the naive model, one SC_METHOD + sc_signal per lane, P = 64     (bench_naive)
// (d) fast over per-cycle on the shipped model, same images           (slqsim run)
// (e) `slqsim run` (fast) over `--sim-mode model`, all four encodings (slqsim run), extrapolated
//     to the full test set from two measured subsets unless --full
// (f) peak memory: ru_maxrss of the slqsim children
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kFullTestSet = 10000;

struct Options {
  std::string build = "build";
  std::string model = "data/lenet_fmnist.onnx";
  std::string work;
  std::string json_out;
  int runs = 5;
  size_t compare_images = 16;
  size_t images_small = 32, images_large = 160;
  bool full = false;
  uint64_t array_cycles = 6'000'000, vcd_cycles = 1'000'000, naive_cycles = 600'000;
};

struct ChildResult {
  int exit_code = -1;
  double wall_seconds = 0;
  long max_rss_kb = 0;
  std::string out;
};

[[noreturn]] void die(const std::string& why) {
  std::cerr << "bench_report: " << why << "\n";
  std::exit(1);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs argv[0] with stdout captured; stderr goes to `log`. Wall time and ru_maxrss of the child.
ChildResult run_child(const std::vector<std::string>& argv, const std::string& work, const std::string& log) {
  const std::string out_path = work + "/child.out";
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out < 0 || err < 0) _exit(127);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) < 0) die("wait4 failed");
  ChildResult r;
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.max_rss_kb = usage.ru_maxrss;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out_path);
  return r;
}

json last_json_line(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') last = line;
  if (last.empty()) die(what + " printed no result line");
  return json::parse(last);
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Samples of one measure across the runs.
struct Series {
  std::string unit;
  std::vector<double> samples;
  double med() const { return median(samples); }
  double lo() const { return samples.empty() ? std::nan("") : *std::min_element(samples.begin(), samples.end()); }
  double hi() const { return samples.empty() ? std::nan("") : *std::max_element(samples.begin(), samples.end()); }
};

std::string human(double v) {
  char buf[64];
  const double a = std::fabs(v);
  if (a >= 1e9) std::snprintf(buf, sizeof buf, "%.2f G", v / 1e9);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.1f k", v / 1e3);
  else if (a >= 100) std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (a >= 10) std::snprintf(buf, sizeof buf, "%.1f", v);
  else std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// The reports of two `slqsim run`s agree in everything but wall time and the sim mode itself.
bool same_reports(const std::string& dir_a, const std::string& dir_b, std::string& why) {
  json a = json::parse(slurp(dir_a + "/summary.json")), b = json::parse(slurp(dir_b + "/summary.json"));
  for (json* s : {&a, &b}) {
    (*s)["config"].erase("sim_mode");
    for (auto& e : (*s)["encodings"]) e.erase("sim_wall_seconds");
  }
  if (a != b) {
    why = "summary.json differs";
    return false;
  }
  if (slurp(dir_a + "/layers.csv") != slurp(dir_b + "/layers.csv")) {
    why = "layers.csv differs";
    return false;
  }
  return true;
}

// Array cycles per term over all encodings and layers of a layers.csv: fast mode's work is per
// term, per-cycle mode's per cycle, so this bounds what fast mode can gain.
double busy_cycles_per_term(const std::string& csv) {
  std::istringstream in(slurp(csv));
  std::string line;
  std::getline(in, line);
  auto split = [](const std::string& l) {
    std::vector<std::string> v;
    std::stringstream ss(l);
    for (std::string cell; std::getline(ss, cell, ',');) v.push_back(cell);
    return v;
  };
  const std::vector<std::string> head = split(line);
  const auto col = [&](const std::string& name) {
    const auto it = std::find(head.begin(), head.end(), name);
    if (it == head.end()) die(csv + " has no column " + name);
    return static_cast<size_t>(it - head.begin());
  };
  const size_t busy = col("busy_cycles"), terms = col("term_count");
  double b = 0, t = 0;
  while (std::getline(in, line)) {
    const auto v = split(line);
    if (v.size() <= std::max(busy, terms)) continue;
    b += std::stod(v[busy]);
    t += std::stod(v[terms]);
  }
  return t > 0 ? b / t : 0;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(k + " needs a value");
      return argv[++i];
    };
    if (k == "--build") o.build = value();
    else if (k == "--model") o.model = value();
    else if (k == "--work") o.work = value();
    else if (k == "--json") o.json_out = value();
    else if (k == "--runs") o.runs = std::stoi(value());
    else if (k == "--compare-images") o.compare_images = std::stoul(value());
    else if (k == "--images-small") o.images_small = std::stoul(value());
    else if (k == "--images-large") o.images_large = std::stoul(value());
    else if (k == "--array-cycles") o.array_cycles = std::stoull(value());
    else if (k == "--vcd-cycles") o.vcd_cycles = std::stoull(value());
    else if (k == "--naive-cycles") o.naive_cycles = std::stoull(value());
    else if (k == "--full") o.full = true;
    else if (k == "--help" || k == "-h") {
      std::cout << "usage: bench_report --build DIR --model M.onnx [--runs N] [--compare-images N] "
                   "[--images-small N] [--images-large N] [--full] [--json FILE] [--work DIR]\n";
      std::exit(0);
    } else die("unknown argument " + k);
  }
  if (o.runs < 1) die("--runs must be at least 1");
  if (o.images_small >= o.images_large) die("--images-small must be below --images-large");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  const std::string build = fs::absolute(o.build).string(), model = fs::absolute(o.model).string();
  const std::string slqsim = build + "/slqsim", array = build + "/bench_array", naive = build + "/bench_naive";
  for (const auto& exe : {slqsim, array, naive})
    if (!fs::exists(exe)) die(exe + " is missing: build it first (bench/run_benchmarks.sh does)");
  if (o.work.empty()) o.work = (fs::temp_directory_path() / ("slqsim_bench." + std::to_string(getpid()))).string();
  fs::create_directories(o.work);
  const std::string log = o.work + "/children.log";
  std::cerr << "bench_report: " << o.runs << " runs of every measure; children's stderr in " << log << "\n";

  std::map<std::string, Series> s;
  long max_rss_kb = 0;
  std::string max_rss_what;
  bool reports_identical = true;
  std::string report_diff;
  auto note_rss = [&](const ChildResult& r, const std::string& what) {
    if (r.max_rss_kb > max_rss_kb) {
      max_rss_kb = r.max_rss_kb;
      max_rss_what = what;
    }
  };
  auto check = [&](const ChildResult& r, const std::vector<std::string>& argv) {
    if (r.exit_code != 0) {
      std::string cmd;
      for (const auto& a : argv) cmd += a + " ";
      die("child failed (exit " + std::to_string(r.exit_code) + "): " + cmd + "\n  see " + log);
    }
  };
  auto bench = [&](const std::vector<std::string>& argv) {
    const ChildResult r = run_child(argv, o.work, log);
    check(r, argv);
    return last_json_line(r.out, argv[0]);
  };
  // slqsim run; returns (process wall, summed sim_wall_seconds, summed cycles_total).
  struct RunTimes {
    double wall = 0, sim_wall = 0, cycles = 0, rss_mb = 0;
  };
  auto slqsim_run = [&](const std::string& mode, size_t images, const std::string& dir) {
    fs::remove_all(dir);
    const std::vector<std::string> argv = {slqsim, "run", "--model", model, "--images", std::to_string(images),
                                           "--sim-mode", mode, "--report-dir", dir, "--jobs", "1"};
    const ChildResult r = run_child(argv, o.work, log);
    check(r, argv);
    note_rss(r, "slqsim run --sim-mode " + mode + " --images " + std::to_string(images));
    const json summary = json::parse(slurp(dir + "/summary.json"));
    RunTimes t;
    t.wall = r.wall_seconds;
    t.rss_mb = static_cast<double>(r.max_rss_kb) / 1024.0;
    for (const auto& e : summary["encodings"]) {
      t.sim_wall += e["sim_wall_seconds"].get<double>();
      if (e.contains("cycles_total") && e["cycles_total"].is_number()) t.cycles += e["cycles_total"].get<double>();
    }
    return t;
  };

  const std::string P = "64";
  double cycles_per_term = 0;
  const size_t set_small = o.full ? kFullTestSet : o.images_small;
  for (int run = 1; run <= o.runs; ++run) {
    std::cerr << "bench_report: run " << run << "/" << o.runs << "\n";
    // (a) per-cycle, no tracing; the result is checked against the golden model.
    json a = bench({array, "--lanes", P, "--mode", "per-cycle", "--cycles", std::to_string(o.array_cycles), "--check"});
    s["a_lane_cycles_per_s"].samples.push_back(a["lane_cycles_per_second"]);
    s["a_cycles_per_s"].samples.push_back(a["cycles_per_second"]);
    // (c) the naive model.
    json c = bench({naive, "--lanes", P, "--cycles", std::to_string(o.naive_cycles)});
    s["c_lane_cycles_per_s"].samples.push_back(c["lane_cycles_per_second"]);
    // (b) the same pass with a VCD (slqsim's tracer: reference clock, pipeline signals, lane 0).
    const std::string vcd = o.work + "/bench.vcd";
    json b = bench({array, "--lanes", P, "--mode", "per-cycle", "--cycles", std::to_string(o.vcd_cycles), "--vcd", vcd});
    s["b_lane_cycles_per_s"].samples.push_back(b["lane_cycles_per_second"]);
    s["b_vcd_bytes_per_cycle"].samples.push_back(static_cast<double>(fs::file_size(vcd)) / b["cycles"].get<double>());
    fs::remove(vcd);
    // The same signals through SystemC's own VCD writer (no reference clock: what the writer saves).
    json b2 = bench({array, "--lanes", P, "--mode", "per-cycle", "--cycles", std::to_string(o.vcd_cycles), "--vcd", vcd,
                     "--systemc-vcd"});
    s["b_systemc_lane_cycles_per_s"].samples.push_back(b2["lane_cycles_per_second"]);
    fs::remove(vcd);
    // The full VCD set, but only a 10,000-cycle window traced (`slqsim run --window`).
    json b3 = bench({array, "--lanes", P, "--mode", "per-cycle", "--cycles", std::to_string(o.vcd_cycles), "--vcd", vcd,
                     "--window", "0:9999"});
    s["b_window_lane_cycles_per_s"].samples.push_back(b3["lane_cycles_per_second"]);
    fs::remove(vcd);
    // Fast mode on the same long-term pass, for reference.
    json f = bench({array, "--lanes", P, "--mode", "fast", "--cycles", std::to_string(o.array_cycles * 10)});
    s["a_fast_lane_cycles_per_s"].samples.push_back(f["lane_cycles_per_second"]);

    // (d) the shipped model, same images, per-cycle and fast.
    const RunTimes pc = slqsim_run("per-cycle", o.compare_images, o.work + "/d_per_cycle");
    const RunTimes fa = slqsim_run("fast", o.compare_images, o.work + "/d_fast");
    std::string why;
    if (!same_reports(o.work + "/d_per_cycle", o.work + "/d_fast", why)) {
      reports_identical = false;
      report_diff = why;
    }
    if (run == 1) cycles_per_term = busy_cycles_per_term(o.work + "/d_fast/layers.csv");
    s["d_per_cycle_cycles_per_s"].samples.push_back(pc.cycles / pc.sim_wall);
    s["d_fast_cycles_per_s"].samples.push_back(fa.cycles / fa.sim_wall);
    s["d_per_cycle_sim_wall"].samples.push_back(pc.sim_wall);
    s["d_fast_sim_wall"].samples.push_back(fa.sim_wall);
    s["d_per_cycle_wall"].samples.push_back(pc.wall);
    s["d_fast_wall"].samples.push_back(fa.wall);

    // (e) run (fast) and the models-only run, at two subset sizes (or the full set once per run).
    const RunTimes fs1 = slqsim_run("fast", set_small, o.work + "/e_fast");
    const RunTimes ms1 = slqsim_run("model", set_small, o.work + "/e_model");
    s["e_fast_small_wall"].samples.push_back(fs1.wall);
    s["e_model_small_wall"].samples.push_back(ms1.wall);
    s["f_fast_small_rss"].samples.push_back(fs1.rss_mb);
    if (!o.full) {
      const RunTimes fs2 = slqsim_run("fast", o.images_large, o.work + "/e_fast");
      const RunTimes ms2 = slqsim_run("model", o.images_large, o.work + "/e_model");
      s["e_fast_large_wall"].samples.push_back(fs2.wall);
      s["e_model_large_wall"].samples.push_back(ms2.wall);
      s["f_fast_large_rss"].samples.push_back(fs2.rss_mb);
    }
  }

  // Ratios of medians.
  const double a_med = s["a_lane_cycles_per_s"].med(), b_med = s["b_lane_cycles_per_s"].med(),
               c_med = s["c_lane_cycles_per_s"].med();
  const double ratio_naive = a_med / c_med, vcd_slowdown = a_med / b_med;
  const double d_speedup = s["d_fast_cycles_per_s"].med() / s["d_per_cycle_cycles_per_s"].med();
  const double d_wall_speedup = s["d_per_cycle_wall"].med() / s["d_fast_wall"].med();
  double fast_full = 0, model_full = 0;
  bool extrapolation_ok = true;
  std::string e_how;
  if (o.full) {
    fast_full = s["e_fast_small_wall"].med();
    model_full = s["e_model_small_wall"].med();
    e_how = "measured on the full test set";
  } else {
    // t(N) = fixed + N * per_image, through the two measured subsets.
    auto extrapolate = [&](double t1, double t2) {
      const double per_image = (t2 - t1) / static_cast<double>(o.images_large - o.images_small);
      return t2 + per_image * static_cast<double>(kFullTestSet - o.images_large);
    };
    fast_full = extrapolate(s["e_fast_small_wall"].med(), s["e_fast_large_wall"].med());
    model_full = extrapolate(s["e_model_small_wall"].med(), s["e_model_large_wall"].med());
    // Subsets so small that noise hides the per-image cost give no estimate.
    extrapolation_ok = s["e_fast_large_wall"].med() > s["e_fast_small_wall"].med() &&
                       s["e_model_large_wall"].med() > s["e_model_small_wall"].med();
    e_how = "extrapolated from " + std::to_string(o.images_small) + " and " + std::to_string(o.images_large) +
            " images";
  }
  const double run_over_model = fast_full / model_full;
  const double peak_measured_mb = static_cast<double>(max_rss_kb) / 1024.0;
  // The full test set holds more images in memory: the peak of `run` (fast) grows with them.
  double peak_full_mb = s["f_fast_small_rss"].med();
  if (!o.full) {
    const double per_image = (s["f_fast_large_rss"].med() - s["f_fast_small_rss"].med()) /
                             static_cast<double>(o.images_large - o.images_small);
    peak_full_mb = s["f_fast_large_rss"].med() + std::max(0.0, per_image) * double(kFullTestSet - o.images_large);
  }
  const double peak_mb = std::max(peak_measured_mb, peak_full_mb);

  // ---- the table --------------------------------------------------------------------------
  struct utsname uts {};
  uname(&uts);
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::ostringstream t;
  auto row = [&](const std::string& id, const std::string& what, const Series& x, const std::string& unit) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-3s %-58s %12s %-10s [%s .. %s]\n", id.c_str(), what.c_str(),
                  human(x.med()).c_str(), unit.c_str(), human(x.lo()).c_str(), human(x.hi()).c_str());
    t << buf;
  };
  auto value = [&](const std::string& id, const std::string& what, const std::string& v) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-3s %-58s %12s\n", id.c_str(), what.c_str(), v.c_str());
    t << buf;
  };
  auto fmt = [](const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return std::string(buf);
  };
  t << "slqsim benchmarks, " << date << ", " << cpu_model() << ", " << sysconf(_SC_NPROCESSORS_ONLN)
    << " cores, load average at the end " << fmt("%.2f", load[0]) << "\n";
  t << "medians of " << o.runs << " interleaved runs [min .. max]; ratios are ratios of the medians of this run\n\n";
  row("a", "per-cycle, P=64, long terms, no tracing: lane-cycles/s", s["a_lane_cycles_per_s"], "");
  row("", "  the same in array cycles/s", s["a_cycles_per_s"], "");
  row("b", "per-cycle, P=64, VCD of slqsim's signals: lane-cycles/s", s["b_lane_cycles_per_s"], "");
  row("", "  VCD bytes per cycle", s["b_vcd_bytes_per_cycle"], "B");
  row("", "  SystemC's own VCD writer, same signals, no reference clock", s["b_systemc_lane_cycles_per_s"], "");
  value("", "  slowdown with SystemC's writer (a/that)", fmt("%.1fx", a_med / s["b_systemc_lane_cycles_per_s"].med()));
  row("", "  the full VCD set, only cycles 0..9999 traced (--window)", s["b_window_lane_cycles_per_s"], "");
  value("", "  slowdown with that window (a/that)", fmt("%.1fx", a_med / s["b_window_lane_cycles_per_s"].med()));
  row("c", "naive (SC_METHOD + sc_signal per lane), P=64: lane-cycles/s", s["c_lane_cycles_per_s"], "");
  row("", "fast, P=64, the same pass: lane-cycles/s", s["a_fast_lane_cycles_per_s"], "");
  const std::string d_what = "lenet_fmnist, " + std::to_string(o.compare_images) + " images x 4 encodings";
  row("d", "per-cycle on " + d_what + ": cycles/s", s["d_per_cycle_cycles_per_s"], "");
  row("", "fast on the same: cycles/s", s["d_fast_cycles_per_s"], "");
  row("", "per-cycle simulation wall (sum of sim_wall_seconds)", s["d_per_cycle_sim_wall"], "s");
  row("", "fast simulation wall (sum of sim_wall_seconds)", s["d_fast_sim_wall"], "s");
  row("", "per-cycle process wall", s["d_per_cycle_wall"], "s");
  row("", "fast process wall", s["d_fast_wall"], "s");
  value("", "array cycles per term (all encodings and layers)", fmt("%.1f", cycles_per_term));
  value("", "fast / per-cycle in simulated cycles per wall second", fmt("%.1fx", d_speedup));
  value("", "fast / per-cycle in process wall time", fmt("%.1fx", d_wall_speedup));
  value("", "fast and per-cycle reports identical (but wall time)", reports_identical ? "yes" : "NO: " + report_diff);
  if (o.full) {
    row("e", "run (fast), full test set x 4 encodings: process wall", s["e_fast_small_wall"], "s");
    row("", "run --sim-mode model, the same: process wall", s["e_model_small_wall"], "s");
  } else {
    const std::string n1 = std::to_string(o.images_small), n2 = std::to_string(o.images_large);
    row("e", "run (fast), " + n1 + " images x 4 encodings: process wall", s["e_fast_small_wall"], "s");
    row("", "run (fast), " + n2 + " images x 4 encodings: process wall", s["e_fast_large_wall"], "s");
    row("", "run --sim-mode model, " + n1 + " images: process wall", s["e_model_small_wall"], "s");
    row("", "run --sim-mode model, " + n2 + " images: process wall", s["e_model_large_wall"], "s");
    value("", "run / model at " + n2 + " images (measured)",
          fmt("%.2fx", s["e_fast_large_wall"].med() / s["e_model_large_wall"].med()));
    value("", "full 10,000 images x 4, run (fast): extrapolated", fmt("%.0f s", fast_full));
    value("", "full 10,000 images x 4, model: extrapolated", fmt("%.0f s", model_full));
  }
  value("f", "peak memory, measured (max ru_maxrss of the slqsim children)", fmt("%.1f MB", peak_measured_mb));
  value("", "  in", max_rss_what);
  if (!o.full) {
    row("", "run (fast), " + std::to_string(o.images_small) + " images: ru_maxrss", s["f_fast_small_rss"], "MB");
    row("", "run (fast), " + std::to_string(o.images_large) + " images: ru_maxrss", s["f_fast_large_rss"], "MB");
    value("", "run (fast), full 10,000 images: extrapolated", fmt("%.1f MB", peak_full_mb));
  }
  t << "\ntargets (issue 6)\n";
  auto target = [&](const std::string& what, const std::string& got, bool pass) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-50s %-22s %s\n", what.c_str(), got.c_str(), pass ? "PASS" : "MISS");
    t << buf;
  };
  target("per-cycle >= 6x naive at P=64 (a/c)", fmt("%.1fx", ratio_naive), ratio_naive >= 6);
  target("per-cycle >= 200M lane-cycles/s at P=64 (a)", human(a_med), a_med >= 200e6);
  target("VCD slowdown <= 5x (a/b)", fmt("%.1fx", vcd_slowdown), vcd_slowdown <= 5);
  target("fast >= 50x per-cycle on the shipped model (d)", fmt("%.1fx", d_speedup), d_speedup >= 50);
  target("full test set: run <= 10x model (e, " + std::string(o.full ? "measured" : "extrapolated") + ")",
         extrapolation_ok ? fmt("%.2fx", run_over_model) : "n/a (subsets too small)",
         extrapolation_ok && run_over_model <= 10);
  target("peak memory <= 300 MB (f" + std::string(o.full ? "" : ", full set extrapolated") + ")",
         fmt("%.1f MB", peak_mb), peak_mb <= 300);
  target("fast == per-cycle reports (d)", reports_identical ? "identical" : "differ", reports_identical);
  std::cout << t.str();

  json out;
  out["date"] = date;
  out["cpu"] = cpu_model();
  out["cores"] = sysconf(_SC_NPROCESSORS_ONLN);
  out["runs"] = o.runs;
  for (const auto& [k, v] : s) out["series"][k] = {{"median", v.med()}, {"min", v.lo()}, {"max", v.hi()}, {"samples", v.samples}};
  out["ratios"] = {{"per_cycle_over_naive", ratio_naive},
                   {"vcd_slowdown", vcd_slowdown},
                   {"fast_over_per_cycle_cycles_per_s", d_speedup},
                   {"fast_over_per_cycle_process_wall", d_wall_speedup},
                   {"run_over_model_full_set", run_over_model},
                   {"vcd_slowdown_systemc_writer", a_med / s["b_systemc_lane_cycles_per_s"].med()},
                   {"vcd_slowdown_window_10000_cycles", a_med / s["b_window_lane_cycles_per_s"].med()},
                   {"shipped_model_cycles_per_term", cycles_per_term},
                   {"full_set_how", e_how}};
  out["peak_memory_mb"] = {{"measured", peak_measured_mb}, {"full_set", peak_full_mb}, {"target_value", peak_mb}};
  out["reports_identical"] = reports_identical;
  if (!o.json_out.empty()) std::ofstream(o.json_out) << out.dump(2) << "\n";
  fs::remove_all(o.work);
  return 0;
}
