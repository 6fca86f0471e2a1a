// The arithmetic of fast mode and of the golden model, in term-lanes per second, next to the
// limit for the same terms on this CPU (docs/performance.md, "Arithmetic near the limit").
//
//   bench_arith [--model M.onnx] [--format tag|special|lq|linear] [--lanes P] [--repeats R]
//               [--images N] [--json FILE]
//
// For every compute layer of the model, quantized as `slqsim run` quantizes it (defaults of
// tb::Options, 256 calibration images do not matter here: only the weights do), one pass of the
// layer's whole stream against P lanes of random N-bit activations is timed three ways:
//   array       golden_pass on the decoded terms and their row runs: what FastExecutor runs
//   scoreboard  tb::Scoreboard's check of that pass (its checksum, or the full golden pass where
//               the checksum would cost more)
//   limit       a minimal loop, written for the vector unit, doing per term-lane only the add,
//               shift and accumulate (log terms) or the table read and accumulate (linear terms)
// Each is the median of R timings of a loop over the layers. Then, with --images N, the whole
// `run` of N test images in fast mode (NetworkRunner + FastExecutor + Scoreboard, one process),
// in ns per term-lane of the passes it ran.
//
// Prints a table and the ratios array/limit (target <= 2) and scoreboard/array (target < 1).
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "models/io/idx.h"
#include "models/io/onnx_model.h"
#include "models/nn/executor.h"
#include "models/nn/net_runner.h"
#include "models/nn/qnet.h"
#include "models/sc/sc_layer.h"
#include "tb/app/options.h"
#include "tb/scoreboard.h"

using namespace slq;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string model = std::string(SLQSIM_SOURCE_DIR) + "/data/lenet_fmnist.onnx";
  std::string format = "tag";
  int lanes = 16;
  int repeats = 15;
  size_t images = 0;
  std::string json;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_arith: %s needs a value\n", k.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--model") a.model = value();
    else if (k == "--format") a.format = value();
    else if (k == "--lanes") a.lanes = std::stoi(value());
    else if (k == "--repeats") a.repeats = std::stoi(value());
    else if (k == "--images") a.images = std::stoull(value());
    else if (k == "--json") a.json = value();
    else {
      std::fprintf(stderr, "bench_arith: unknown argument %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

// The limit: per term-lane only the add of the rounding half, the shift and the signed
// accumulate (log terms) or the table read and the signed accumulate (linear terms), 16 lanes in
// two 8-lane AVX2 vectors that hold a row's partial sums in registers; no saturation, no
// bookkeeping beyond the row runs. Written with GCC's vector extensions so that nothing depends
// on what the auto-vectorizer makes of it.
typedef int32_t v8i __attribute__((vector_size(32)));
typedef uint32_t v8u __attribute__((vector_size(32)));

__attribute__((target("avx2"))) __attribute__((noinline)) void limit_loop(const Term* terms, const std::vector<RowRun>& runs,
                                                                            const uint32_t* by_col, int P, int N,
                                                                            const int32_t* table, int32_t* acc) {
  for (const RowRun& run : runs)
    for (int base = 0; base < P; base += 16) {
      v8i s0 = {}, s1 = {};
      for (size_t i = run.begin; i < run.end; ++i) {
        const Term& t = terms[i];
        const uint32_t* a = by_col + size_t(t.weight - run.row_first) * P + base;
        v8u a0, a1;
        std::memcpy(&a0, a, sizeof a0);
        std::memcpy(&a1, a + 8, sizeof a1);
        const v8i neg = v8i{} + (t.sign < 0 ? -1 : 0);
        if ((t.nbits & (t.nbits - 1)) == 0) {
          const int e = N - __builtin_ctz(t.nbits);
          const v8u half = v8u{} + ((1u << e) >> 1);
          s0 += (reinterpret_cast<v8i>((a0 + half) >> e) ^ neg) - neg;
          s1 += (reinterpret_cast<v8i>((a1 + half) >> e) ^ neg) - neg;
        } else {
          const int* row = table + (size_t(t.nbits) << N);
          s0 += (reinterpret_cast<v8i>(_mm256_i32gather_epi32(row, reinterpret_cast<__m256i>(a0), 4)) ^ neg) - neg;
          s1 += (reinterpret_cast<v8i>(_mm256_i32gather_epi32(row, reinterpret_cast<__m256i>(a1), 4)) ^ neg) - neg;
        }
      }
      int32_t* out = acc + size_t(run.row) * P + base;
      for (int lane = 0; lane < 8; ++lane) {
        out[lane] += s0[lane];
        out[8 + lane] += s1[lane];
      }
    }
}

template <class F>
double median_seconds(int repeats, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Counts the term-lanes of every pass it runs (the array computes all P lanes).
class Counting : public PassExecutor {
 public:
  Counting(PassExecutor& inner, int lanes) : inner_(inner), lanes_(lanes) {}
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override {
    for (const PassRequest& r : requests) term_lanes += r.layer->terms.size() * size_t(lanes_);
    inner_.execute(requests, outs);
  }
  uint64_t term_lanes = 0;

 private:
  PassExecutor& inner_;
  int lanes_;
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  if (args.lanes % 16 != 0) {
    std::fprintf(stderr, "bench_arith: --lanes must be a multiple of 16 (the limit loop's width)\n");
    return 2;
  }
  tb::Options o;
  o.model = args.model;
  o.lanes = args.lanes;
  o.encodings = args.format;
  const Network net = load_onnx(o.model);
  check_mappable(net);
  std::vector<EncodingRun> runs = o.encoding_runs(net);
  const std::vector<QuantLayer>& layers = runs.at(0).layers;
  const ArrayParams array = o.array();
  const int P = array.lanes, N = array.stream_bits;
  SngBank sng(array);

  // One pass per layer (per group of a grouped convolution), random activations.
  std::mt19937 rng(1);
  struct Pass {
    const QuantLayer* layer;
    std::vector<RowRun> runs;
    std::vector<uint32_t> acts, by_col;
  };
  std::vector<Pass> passes;
  uint64_t term_lanes = 0;
  for (const QuantLayer& q : layers)
    for (const QuantLayer* part : q.groups.empty() ? std::vector<const QuantLayer*>{&q} : [&] {
           std::vector<const QuantLayer*> g;
           for (const QuantLayer& x : q.groups) g.push_back(&x);
           return g;
         }()) {
      Pass p{part, row_runs(part->terms, part->cols, array.bits_per_cycle), {}, {}};
      p.acts.resize(size_t(P) * part->cols);
      for (uint32_t& a : p.acts) a = rng() % 2 ? rng() & ((1u << N) - 1) : 0;  // half zeros, as after a Relu
      p.by_col.resize(p.acts.size());
      for (int lane = 0; lane < P; ++lane)
        for (int c = 0; c < part->cols; ++c) p.by_col[size_t(c) * P + lane] = p.acts[size_t(lane) * part->cols + c];
      term_lanes += part->terms.size() * size_t(P);
      passes.push_back(std::move(p));
    }

  // The LD table for linear terms, as the SNG bank builds it.
  std::vector<int32_t> table((size_t(1) << N) * ((size_t(1) << N) + 1));
  for (uint32_t n = 1; n <= (1u << N); ++n)
    for (uint32_t a = 0; a < (1u << N); ++a) table[(size_t(n) << N) + a] = int32_t(sng.count(0, a, n));

  int64_t sink = 0;
  const double array_s = median_seconds(args.repeats, [&] {
    for (const Pass& p : passes) sink += golden_pass(p.layer->terms, p.runs, p.layer->rows, p.layer->cols, p.acts, array, sng).acc[0];
  });
  std::vector<PassOutcome> outs(1);
  FastExecutor fast(array, 1, 2);
  std::vector<PassOutcome> fast_outs;
  std::vector<PassRequest> requests;
  for (const Pass& p : passes) {
    PassRequest r;
    r.layer = p.layer;
    r.acts = p.acts;
    r.active_lanes = P;
    requests.push_back(r);
    fast_outs.push_back(fast.run(pass_job_of(r)));
  }
  tb::Scoreboard board(fast, array);
  const double board_s = median_seconds(args.repeats, [&] {
    for (size_t i = 0; i < requests.size(); ++i) board.check(requests[i], fast_outs[i]);
  });
  std::vector<int32_t> acc;
  const double limit_s = median_seconds(args.repeats, [&] {
    for (const Pass& p : passes) {
      acc.assign(size_t(p.layer->rows) * P, 0);
      limit_loop(p.layer->terms.data(), p.runs, p.by_col.data(), P, N, table.data(), acc.data());
      sink += acc[0];
    }
  });
  // The limit loop computes what the array computes (no counter clips on these passes).
  bool same = true;
  for (const Pass& p : passes) {
    acc.assign(size_t(p.layer->rows) * P, 0);
    limit_loop(p.layer->terms.data(), p.runs, p.by_col.data(), P, N, table.data(), acc.data());
    const PassResult g = golden_pass(p.layer->terms, p.runs, p.layer->rows, p.layer->cols, p.acts, array, sng);
    for (size_t k = 0; k < acc.size(); ++k) same = same && int64_t(acc[k]) == g.acc[k];
  }
  const double ns = 1e9 / double(term_lanes);
  std::printf("model %s, format %s, P = %d lanes, %zu passes (one per layer or group), %llu term-lanes a loop, median of %d\n",
              o.model.c_str(), args.format.c_str(), P, passes.size(), (unsigned long long)term_lanes, args.repeats);
  std::printf("%-12s %14s %16s\n", "", "ns/term-lane", "term-lanes/s");
  std::printf("%-12s %14.3f %16.3e\n", "array", array_s * ns, double(term_lanes) / array_s);
  std::printf("%-12s %14.3f %16.3e\n", "scoreboard", board_s * ns, double(term_lanes) / board_s);
  std::printf("%-12s %14.3f %16.3e\n", "limit", limit_s * ns, double(term_lanes) / limit_s);
  std::printf("scoreboard: %llu of %llu passes checked by the checksum, the rest by the whole golden pass\n",
              (unsigned long long)board.passes_by_checksum(), (unsigned long long)board.passes_checked());
  std::printf("the limit loop's accumulators equal the array's: %s\n", same ? "yes" : "NO");
  std::printf("array / limit = %.2f (target <= 2), scoreboard / array = %.2f (target < 1)\n", array_s / limit_s,
              board_s / array_s);

  double run_ns = 0;
  uint64_t run_term_lanes = 0;
  if (args.images > 0) {
    const Dataset train = load_fashion_mnist(o.data_dir, true, size_t(o.calibration_images));
    const Dataset test = load_fashion_mnist(o.data_dir, false, args.images);
    const Calibration cal = calibrate(net, train, train.size(), o.stream_bits, o.calibration_percentile);
    std::vector<EncodingRun> full = o.encoding_runs(net);
    NetworkRunner runner(net, cal, array, full, false);
    FastExecutor exec(array, o.fields_per_cycle, o.fifo_depth);
    tb::Scoreboard checked(exec, array);
    Counting counting(checked, P);
    const auto t0 = Clock::now();
    for (size_t first = 0; first < test.size(); first += size_t(P))
      runner.run_batch(test, first, std::min<size_t>(size_t(P), test.size() - first), counting);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    run_term_lanes = counting.term_lanes;
    run_ns = s * 1e9 / double(run_term_lanes);
    std::printf("run of %zu images (fast, scoreboard on, one process): %.2f s, %llu term-lanes, %.3f ns/term-lane\n",
                test.size(), s, (unsigned long long)run_term_lanes, run_ns);
  }
  if (!args.json.empty()) {
    std::ofstream j(args.json);
    j << "{\"model\": \"" << o.model << "\", \"format\": \"" << args.format << "\", \"lanes\": " << P
      << ", \"array_ns_per_term_lane\": " << array_s * ns << ", \"scoreboard_ns_per_term_lane\": " << board_s * ns
      << ", \"limit_ns_per_term_lane\": " << limit_s * ns << ", \"run_ns_per_term_lane\": " << run_ns
      << ", \"run_term_lanes\": " << run_term_lanes << "}\n";
  }
  return sink == 42 ? 1 : 0;  // keeps the loops' results alive
}
