// The scoreboard: every pass on the accelerator is checked against the golden model, and a
// mismatch stops the run naming the layer, the image, the output position and the lane.
#include <gtest/gtest.h>

#include "models/io/onnx_model.h"
#include "models/nn/qnet.h"
#include "tb/scoreboard.h"
#include "tb/systemc_executor.h"
#include "tests/tb/cli_test_util.h"

using namespace slq;

namespace {

PassRequest conv_request(const QuantLayer& layer, int lanes) {
  PassRequest r;
  r.layer = &layer;
  r.acts.resize(static_cast<size_t>(lanes) * layer.cols);
  for (size_t i = 0; i < r.acts.size(); ++i) r.acts[i] = (i * 37) % 256;
  r.active_lanes = lanes;
  r.first_image = 7;
  r.first_position = 32;
  return r;
}

}  // namespace

TEST(Scoreboard, PassesCleanPassesAndStopsOnAMismatch) {
  const Network net = load_onnx(test::kModel);
  QuantOptions options;
  options.code.format = Format::special;
  const QuantLayer layer = quantize_layer(net, 0, options);
  hw::AccelConfig config;
  auto* accel = new hw::Accelerator("special", config);  // alive to the end of the process
  std::string error;
  uint64_t checked = 0;
  tb::run_in_simulation([&] {
    tb::SystemcExecutor accelerators({accel});
    tb::Scoreboard exec(accelerators, config.array);
    const std::vector<PassRequest> requests{conv_request(layer, config.array.lanes)};
    std::vector<PassOutcome> outs(1);
    exec.execute(requests, outs);  // clean: no exception
    exec.execute(requests, outs);
    // Pass 2: output channel 3, lane 5 disagrees by one count.
    exec.inject_fault(2, static_cast<size_t>(3 * config.array.lanes + 5));
    try {
      exec.execute(requests, outs);
    } catch (const tb::ScoreboardMismatch& e) {
      error = e.what();
    }
    checked = exec.passes_checked();
  });
  EXPECT_EQ(checked, 3u);
  EXPECT_NE(error.find("layer 0_Conv"), std::string::npos) << error;
  EXPECT_NE(error.find("image 7"), std::string::npos) << error;
  EXPECT_NE(error.find("output position 37"), std::string::npos) << error;
  EXPECT_NE(error.find("lane 5"), std::string::npos) << error;
  EXPECT_NE(error.find("output channel 3"), std::string::npos) << error;
}

// The scoreboard wraps any executor: the fast view runs under it without SystemC.
TEST(Scoreboard, ChecksTheFastView) {
  const Network net = load_onnx(test::kModel);
  QuantOptions options;
  options.code.format = Format::tag;
  const QuantLayer layer = quantize_layer(net, 0, options);
  ArrayParams array;
  FastExecutor fast(array, 1, 2);
  tb::Scoreboard exec(fast, array);
  const std::vector<PassRequest> requests{conv_request(layer, array.lanes)};
  std::vector<PassOutcome> outs(1);
  exec.execute(requests, outs);
  EXPECT_EQ(exec.passes_checked(), 1u);
  EXPECT_GT(outs[0].stats.cycles, 0u);
  exec.inject_fault(1, 0);
  EXPECT_THROW(exec.execute(requests, outs), tb::ScoreboardMismatch);
}

// The dense layer 7_Gemm (128 x 400) is checked by the checksum, which costs less than the pass;
// any single wrong accumulator still stops the run, named as the whole golden pass names it.
TEST(Scoreboard, ChecksumCatchesEveryWrongAccumulatorOfADenseLayer) {
  const Network net = load_onnx(test::kModel);
  QuantOptions options;
  options.code.format = Format::tag;
  const QuantLayer layer = quantize_layer(net, 7, options);
  ArrayParams array;
  const ChecksumPlan plan = checksum_plan(layer.terms, layer.rows, layer.cols, array.acc_bits);
  ASSERT_TRUE(plan.applicable);
  PassRequest r;
  r.layer = &layer;
  r.acts.resize(size_t(array.lanes) * size_t(layer.cols));
  for (size_t i = 0; i < r.acts.size(); ++i) r.acts[i] = uint32_t(i * 37 % 256) * (i % 3 != 0);
  r.active_lanes = array.lanes;
  r.first_image = 32;
  FastExecutor fast(array, 1, 2);
  const PassOutcome clean = fast.run(pass_job_of(r));
  const SngBank sng(array);
  EXPECT_EQ(checksum_pass(plan, r.acts, clean.acc, array, sng), PassCheck::equal);
  for (size_t k = 0; k < clean.acc.size(); k += 7) {  // every 7th accumulator, off by one or by 2^40
    PassOutcome bad = clean;
    bad.acc[k] += k % 2 ? 1 : int64_t(1) << 40;
    EXPECT_EQ(checksum_pass(plan, r.acts, bad.acc, array, sng), PassCheck::differ) << k;
  }
  tb::Scoreboard board(fast, array);
  std::vector<PassOutcome> outs(1);
  board.execute({r}, outs);
  EXPECT_EQ(board.passes_by_checksum(), 1u);
  board.inject_fault(1, static_cast<size_t>(5 * array.lanes + 3));
  try {
    board.execute({r}, outs);
    FAIL() << "the wrong accumulator passed";
  } catch (const tb::ScoreboardMismatch& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("layer 7_Gemm, image 35, lane 3, output channel 5"), std::string::npos) << what;
  }
}

// Where a counter could saturate, or the column sums would cost as much as the pass, the
// scoreboard runs the whole golden pass.
TEST(Scoreboard, ChecksumStandsAsideWhereItCannotBeExact) {
  const Network net = load_onnx(test::kModel);
  QuantOptions options;
  const QuantLayer fc = quantize_layer(net, 7, options), conv1 = quantize_layer(net, 0, options);
  EXPECT_FALSE(checksum_plan(conv1.terms, conv1.rows, conv1.cols, 24).applicable);  // 8 x 25: too small to gain
  EXPECT_TRUE(checksum_plan(fc.terms, fc.rows, fc.cols, 24).applicable);
  EXPECT_FALSE(checksum_plan(fc.terms, fc.rows, fc.cols, 8).applicable);  // 8-bit counters could clip
}
