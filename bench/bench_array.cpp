// Array throughput of one accelerator: a pass of long log terms (so the MAC array dominates),
// repeated until a target number of cycles is simulated. One elaboration per process (SystemC
// 2.3.4); bench/bench_report runs this program several times and takes medians.
//
//   bench_array [--lanes P] [--mode per-cycle|fast] [--bits-per-cycle B] [--cycles C]
//               [--vcd FILE [--systemc-vcd] [--window FROM:TO]] [--trace-lanes 0|all|LIST] [--check]
//
// --vcd traces what `slqsim run --vcd` traces (tb::Tracer: a reference clock and cycle number,
// the pipeline's signals, the accumulators of --trace-lanes) through tb::VcdWriter; --systemc-vcd
// writes the same signals through SystemC's own VCD writer instead (without the reference clock
// and cycle number, which it has no way to write), to show what the writer saves.
//
// Prints one JSON line: simulated cycles, lane-cycles, wall seconds of sc_start and the rates.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "hw/accelerator.h"
#include "models/codec/codec.h"
#include "models/nn/executor.h"
#include "models/sc/sc_layer.h"
#include "tb/wave/tracing.h"

using namespace slq;

namespace {

struct Args {
  int lanes = 64;
  std::string mode = "per-cycle";
  int bits_per_cycle = 1;
  uint64_t cycles = 6'000'000;  // simulated array cycles to aim for
  std::string vcd;
  std::string trace_lanes = "0";
  std::string window;              // FROM:TO cycles traced (tb::parse_window), "" = all
  bool systemc_vcd = false;        // SystemC's VCD writer, the accelerator's signals only
  bool check = false;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_array: %s needs a value\n", k.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--lanes") a.lanes = std::stoi(value());
    else if (k == "--mode") a.mode = value();
    else if (k == "--bits-per-cycle") a.bits_per_cycle = std::stoi(value());
    else if (k == "--cycles") a.cycles = std::stoull(value());
    else if (k == "--vcd") a.vcd = value();
    else if (k == "--trace-lanes") a.trace_lanes = value();
    else if (k == "--systemc-vcd") a.systemc_vcd = true;
    else if (k == "--window") a.window = value();
    else if (k == "--check") a.check = true;
    else {
      std::fprintf(stderr, "bench_array: unknown argument %s\n", k.c_str());
      std::exit(2);
    }
  }
  if (a.mode != "per-cycle" && a.mode != "fast") {
    std::fprintf(stderr, "bench_array: --mode per-cycle|fast\n");
    std::exit(2);
  }
  return a;
}

// Starts the same pass again and again until `target` array cycles are simulated, on cycle
// boundaries like tb::PassDriver, and checks each result against the golden one if given.
class Driver : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Driver);
  Driver(sc_core::sc_module_name name, hw::Accelerator* accel, const PassJob& job, uint64_t target,
         const std::vector<int64_t>* golden)
      : sc_module(name), accel_(accel), job_(job), target_(target), golden_(golden) {
    SC_THREAD(run);
  }
  uint64_t cycles = 0, busy = 0, passes = 0, mismatches = 0;

 private:
  void run() {
    const sc_core::sc_time period(static_cast<double>(accel_->config().period_ps), sc_core::SC_PS);
    while (busy < target_) {
      accel_->start(job_);
      wait(accel_->done_event());
      const hw::PassStats s = accel_->stats();
      cycles += s.cycles;
      busy += s.busy_cycles;
      ++passes;
      if (golden_ && *golden_ != accel_->result()) ++mismatches;
      const sc_core::sc_time now = sc_core::sc_time_stamp();
      wait(period * (static_cast<uint64_t>(now / period) + 1) - now);
    }
    sc_core::sc_stop();
  }
  hw::Accelerator* accel_;
  PassJob job_;
  uint64_t target_;
  const std::vector<int64_t>* golden_;
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  hw::AccelConfig config;
  config.array.lanes = args.lanes;
  config.array.bits_per_cycle = args.bits_per_cycle;

  // One layer of lq codes +-1 and +-2 (128 and 64 stream bits, the longest terms there are).
  CodeParams code;
  code.format = Format::lq;
  code.max_words = 1;
  const int rows = 8, cols = 64;
  std::mt19937_64 rng(42);
  WeightWords words;
  std::uniform_int_distribution<int> e(1, 2);
  std::bernoulli_distribution neg(0.5);
  for (int i = 0; i < rows * cols; ++i) words.add({neg(rng) ? -e(rng) : e(rng)});
  const PackedStream stream = pack_stream(words, code);
  std::vector<uint32_t> acts(static_cast<size_t>(args.lanes) * cols);
  std::uniform_int_distribution<uint32_t> act(0, 255);
  for (auto& a : acts) a = act(rng);

  PassJob job;
  job.memory = &stream.mem;
  job.code = code;
  job.weight_count = words.weight_count();
  job.rows = rows;
  job.cols = cols;
  job.acts = &acts;
  job.active_lanes = args.lanes;

  std::string lanes = args.trace_lanes;
  if (lanes == "all") {
    lanes.clear();
    for (int l = 0; l < args.lanes; ++l) lanes += (l ? "," : "") + std::to_string(l);
  }
  const tb::TraceWindow window = tb::parse_window(args.window, "--window");
  tb::Tracer tracer(args.systemc_vcd ? "" : args.vcd, window, lanes, config);
  hw::Accelerator* accel = nullptr;
  sc_core::sc_trace_file* bare = nullptr;
  if (args.systemc_vcd && !args.vcd.empty()) {
    std::string stem = args.vcd;
    if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".vcd") == 0) stem.resize(stem.size() - 4);
    bare = sc_core::sc_create_vcd_trace_file(stem.c_str());
    bare->set_time_unit(100, sc_core::SC_PS);
    hw::AccelConfig traced = config;
    traced.trace.enabled = true;
    traced.trace.lanes = tb::parse_lanes(lanes, "--trace-lanes");
    traced.trace.window_from = window.from;
    traced.trace.window_to = window.to;
    accel = new hw::Accelerator("accel", traced);  // alive to the end of the process
    accel->trace(bare);
  } else {
    accel = tracer.make_accelerator("accel", config);
  }

  PassResult golden;
  if (args.check) {
    const ArrayParams& ap = config.array;
    golden = golden_pass(stream_terms(words, code), rows, cols, acts, ap, SngBank(ap));
  }
  uint64_t cycles = 0, busy = 0, passes = 0, mismatches = 0;
  double wall = 0;
  if (args.mode == "fast") {  // the whole-pass view (models::FastExecutor), no SystemC
    FastExecutor fast(config.array, config.fields_per_cycle, config.fifo_depth);
    const auto t1 = std::chrono::steady_clock::now();
    while (busy < args.cycles) {
      const PassOutcome o = fast.run(job);
      cycles += o.stats.cycles;
      busy += o.stats.busy_cycles;
      ++passes;
      if (args.check && o.acc != golden.acc) ++mismatches;
    }
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  } else {
    auto* driver = new Driver("driver", accel, job, args.cycles, args.check ? &golden.acc : nullptr);
    const auto t1 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    cycles = driver->cycles, busy = driver->busy, passes = driver->passes, mismatches = driver->mismatches;
  }
  tracer.close();
  if (bare) sc_core::sc_close_vcd_trace_file(bare);
  std::printf(
      "{\"lanes\": %d, \"mode\": \"%s\", \"bits_per_cycle\": %d, \"vcd\": %s, \"trace_lanes\": \"%s\", "
      "\"passes\": %llu, \"cycles\": %llu, \"busy_cycles\": %llu, \"lane_cycles\": %llu, \"wall_seconds\": %.6f, "
      "\"cycles_per_second\": %.1f, \"lane_cycles_per_second\": %.1f, \"checked\": %s, \"mismatches\": %llu}\n",
      args.lanes, args.mode.c_str(), args.bits_per_cycle, args.vcd.empty() ? "false" : "true",
      args.trace_lanes.c_str(), (unsigned long long)passes, (unsigned long long)cycles, (unsigned long long)busy,
      (unsigned long long)(cycles * args.lanes), wall, cycles / wall, cycles * args.lanes / wall,
      args.check ? "true" : "false", (unsigned long long)mismatches);
  return mismatches ? 1 : 0;
}
