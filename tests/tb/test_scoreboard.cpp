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
