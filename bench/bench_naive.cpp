// The naive reference of the speed targets (docs/performance.md): the same MAC lanes written the
// textbook way, one module per lane with one SC_METHOD on a clock edge and an sc_signal per lane
// for its stream bit. Each lane is an LD stream generator (counter-and-MUX over its activation)
// feeding a saturating up/down counter, terms of 128 stream bits with alternating signs, B = 1.
// One elaboration per process; bench/bench_report runs it several times and takes medians.
//
//   bench_naive [--lanes P] [--cycles C]
//
// Prints one JSON line with the lane-cycles per wall second of sc_start, and checks every
// lane's final count against the closed form (a benchmark that computes nothing proves nothing).
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "models/sc/sc_arith.h"

using namespace slq;

namespace {

constexpr int kStreamBits = 8;
constexpr uint64_t kTermBits = 128;  // a log term with e = 1
constexpr int kAccBits = 24;

class NaiveLane : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk;
  SC_HAS_PROCESS(NaiveLane);
  NaiveLane(sc_core::sc_module_name name, uint32_t activation)
      : sc_module(name), clk("clk"), activation_(activation), stream_bit_("stream_bit") {
    SC_METHOD(tick);
    sensitive << clk.pos();
    dont_initialize();
  }
  int64_t acc() const { return acc_; }
  uint64_t cycles() const { return cycles_; }

 private:
  // Register stage 1: the SNG drives its stream bit; stage 2: the counter adds last cycle's bit.
  void tick() {
    if (valid_) {
      bool clipped = false;
      const int sign = ((cycles_ - 1) / kTermBits) % 2 == 0 ? 1 : -1;
      acc_ = saturating_add(acc_, stream_bit_.read() ? sign : 0, kAccBits, &clipped);
    }
    stream_bit_.write(ld_bit(activation_, counter_, kStreamBits) != 0);
    valid_ = true;
    counter_ = (counter_ + 1) % kTermBits;  // the counter restarts with every term
    ++cycles_;
  }
  uint32_t activation_;
  sc_core::sc_signal<bool> stream_bit_;
  int64_t acc_ = 0;  // the counter register: a plain member, only the stream bit is a signal
  uint64_t counter_ = 0, cycles_ = 0;
  bool valid_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  int lanes = 64;
  uint64_t cycles = 600'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--lanes") lanes = std::stoi(argv[i + 1]);
    else if (k == "--cycles") cycles = std::stoull(argv[i + 1]);
    else {
      std::fprintf(stderr, "bench_naive: unknown argument %s\n", k.c_str());
      return 2;
    }
  }
  sc_core::sc_clock clk("clk", 1, sc_core::SC_NS);
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint32_t> act(0, 255);
  std::vector<NaiveLane*> lane_modules;  // alive to the end of the process (the kernel keeps them)
  for (int l = 0; l < lanes; ++l) {
    lane_modules.push_back(new NaiveLane(("lane" + std::to_string(l)).c_str(), act(rng)));
    lane_modules.back()->clk(clk);
  }
  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start(static_cast<double>(cycles), sc_core::SC_NS);
  const auto t1 = std::chrono::steady_clock::now();
  const double wall = std::chrono::duration<double>(t1 - t0).count();

  // The counters must hold what the stream bits add up to (bits 0 .. cycles-2 reached them).
  const uint64_t simulated = lane_modules.front()->cycles();
  uint64_t mismatches = 0;
  std::mt19937_64 replay(7);
  for (NaiveLane* lane : lane_modules) {
    const uint32_t a = act(replay);
    int64_t expect = 0;
    for (uint64_t t = 0; t + 1 < simulated; ++t) {
      bool clipped = false;
      const int sign = (t / kTermBits) % 2 == 0 ? 1 : -1;
      expect = saturating_add(expect, sign * ld_bit(a, t % kTermBits, kStreamBits), kAccBits, &clipped);
    }
    if (lane->acc() != expect) ++mismatches;
  }
  std::printf(
      "{\"lanes\": %d, \"cycles\": %llu, \"lane_cycles\": %llu, \"wall_seconds\": %.6f, \"cycles_per_second\": %.1f, "
      "\"lane_cycles_per_second\": %.1f, \"mismatches\": %llu}\n",
      lanes, (unsigned long long)simulated, (unsigned long long)(simulated * lanes), wall, simulated / wall,
      simulated * lanes / wall, (unsigned long long)mismatches);
  return mismatches ? 1 : 0;
}
