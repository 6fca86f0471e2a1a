// slqsim run: a network on the simulated accelerator, every requested encoding, reports.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "models/errors.h"
#include "models/nn/float_infer.h"
#include "models/io/idx.h"
#include "models/io/onnx_model.h"
#include "tb/app/cli.h"
#include "tb/app/commands.h"
#include "tb/scoreboard.h"
#include "tb/systemc_executor.h"
#include "tb/app/reports.h"
#include "tb/app/energy_table.h"
#include "tb/app/options.h"
#include "tb/app/run_setup.h"
#include "tb/wave/tracing.h"

namespace slq {
namespace {

struct RunFlags {
  tb::Options sim;
  std::string vcd, window, trace_lanes = "0", report_dir = "out", dump_dir, image_range;
  bool reproducible = false;
};

void run_command(RunFlags& f) {
  tb::Options& o = f.sim;
  if (!f.vcd.empty()) {
    if (o.sim_mode == "model") throw InputError("--vcd", "", "a waveform needs the SystemC simulation, not --sim-mode model");
    if (o.sim_mode == "fast") spdlog::info("--vcd given: simulating per cycle");
    o.sim_mode = "per-cycle";
  }
  o.validate();
  const tb::TraceWindow window = tb::parse_window(f.window, "--window");
  const tb::ImageRange range = f.image_range.empty() ? tb::ImageRange{0, o.images}
                                                     : tb::parse_image_range(f.image_range, o.images, o.lanes);
  // The test images fit the model before anything is calibrated.
  const Dataset test = load_fashion_mnist(o.data_dir, false, o.images);
  check_dataset(load_onnx(o.model), test);
  if (test.size() < o.images)
    throw InputError("--images", "", std::to_string(o.images) + " requested, the test set has " + std::to_string(test.size()));
  tb::RunSetup setup(o);
  const Network& net = setup.net;
  std::vector<EncodingRun>& runs = setup.runs;
  tb::RunReport report = setup.report(runs, f.reproducible);
  report.first_image = range.first;
  report.images_requested = range.end - range.first;
  const size_t pixels = size_t(test.rows) * test.cols;

  const bool keep_dumps = !f.dump_dir.empty();
  std::vector<std::unique_ptr<NetworkRunner>> runners;
  std::vector<std::vector<EncodingRun>> single(runs.size());
  for (size_t e = 0; e < runs.size(); ++e) {
    single[e].push_back(std::move(runs[e]));
    runners.push_back(std::make_unique<NetworkRunner>(net, setup.calibration, o.array(), single[e], keep_dumps));
  }
  const size_t P = static_cast<size_t>(o.lanes);
  // Batches of P images (the dense layers' lanes): the float reference, then the encodings taking
  // turns, so an interrupted run has the same images finished in float and in every encoding.
  auto run_all = [&](const std::vector<PassExecutor*>& execs) {
    const size_t total = range.end - range.first;
    spdlog::info("simulating {} images x {} encodings ({})", total, runs.size(), o.sim_mode);
    Progress progress("run", total * runs.size());
    for (size_t first = range.first; first < range.end; first += P) {
      if (interrupted()) {
        report.complete = false;
        report.stopped_because = "interrupted (Ctrl-C)";
        return;
      }
      const size_t count = std::min<size_t>(P, range.end - first);
      for (size_t i = first; i < first + count; ++i)
        report.float_predictions.push_back(argmax(forward_float(net, image_to_input(test.image(i), pixels))));
      for (size_t e = 0; e < runs.size(); ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        runners[e]->run_batch(test, first, count, *execs[e]);
        single[e][0].sim_wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        progress.update((first - range.first) * runs.size() + (e + 1) * count);
      }
      report.images = first + count - range.first;
    }
    progress.finish();
  };

  // Float top-1 over the images every encoding finished.
  auto float_accuracy = [&] {
    size_t correct = 0;
    for (size_t i = 0; i < report.images; ++i) correct += report.float_predictions[i] == test.labels[range.first + i];
    report.float_accuracy = report.images ? double(correct) / double(report.images) : 0.0;
  };
  // One executor per encoding (models/nn/executor.h): the golden model, the whole-pass view, or the
  // SystemC accelerators; the last two under the scoreboard.
  auto checked = [&](std::vector<PassExecutor*> inner, auto&& body) {
    std::vector<std::unique_ptr<tb::Scoreboard>> boards;
    std::vector<PassExecutor*> raw;
    for (PassExecutor* x : inner) {
      boards.push_back(std::make_unique<tb::Scoreboard>(*x, o.array()));
      raw.push_back(boards.back().get());
    }
    try {
      body(raw);
    } catch (const tb::ScoreboardMismatch& e) {
      report.complete = false;
      report.stopped_because = e.what();
      for (size_t k = 0; k < runs.size(); ++k) runs[k] = std::move(single[k][0]);
      float_accuracy();
      tb::write_reports(report, f.report_dir);
      throw;
    }
  };
  if (o.sim_mode == "model") {
    GoldenExecutor golden(o.array(), o.fields_per_cycle, o.fifo_depth);
    run_all(std::vector<PassExecutor*>(runs.size(), &golden));
  } else if (o.sim_mode == "fast") {
    std::vector<std::unique_ptr<FastExecutor>> fast;
    std::vector<PassExecutor*> raw;
    for (size_t e = 0; e < runs.size(); ++e) {
      fast.push_back(std::make_unique<FastExecutor>(o.array(), o.fields_per_cycle, o.fifo_depth));
      raw.push_back(fast.back().get());
    }
    checked(raw, run_all);
  } else {
    hw::AccelConfig config = o.accel();
    tb::Tracer tracer(f.vcd, window, f.trace_lanes, config);
    std::vector<std::unique_ptr<tb::SystemcExecutor>> execs;
    std::vector<PassExecutor*> raw;
    for (size_t e = 0; e < runs.size(); ++e) {
      execs.push_back(std::make_unique<tb::SystemcExecutor>(
          std::vector<hw::Accelerator*>{tracer.make_accelerator(single[e][0].name, config)}));
      raw.push_back(execs.back().get());
    }
    checked(raw, [&](const std::vector<PassExecutor*>& boards) { tb::run_in_simulation([&] { run_all(boards); }); });
    tracer.close();
  }
  for (size_t e = 0; e < runs.size(); ++e) runs[e] = std::move(single[e][0]);
  float_accuracy();
  tb::write_reports(report, f.report_dir);
  if (keep_dumps) {
    std::vector<std::vector<int64_t>> shapes;
    for (const QuantLayer& q : runs.front().layers) shapes.push_back(net.ops[q.op_index].out_shape);
    tb::write_dumps(report, shapes, f.dump_dir);
  }
  tb::print_table(report, std::cout);
  spdlog::info("reports written to {}/summary.json and {}/layers.csv", f.report_dir, f.report_dir);
  if (!report.complete) {
    spdlog::warn("run incomplete: {} of {} images ({})", report.images, report.images_requested, report.stopped_because);
    throw Interrupted();
  }
}

}  // namespace

void register_run(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* sub = app.add_subcommand("run", "Simulate a network on the SystemC accelerator and write reports");
  add_config_option(*sub);
  tb::add_options(sub, flags->sim, tb::kRunOptions);
  sub->get_option("--model")->required();
  sub->add_option("--vcd", flags->vcd, "Write a VCD waveform (forces per-cycle simulation)")->check(output_file());
  sub->add_option("--window", flags->window, "Trace only cycles FROM:TO (global cycle numbers)");
  sub->add_option("--trace-lanes", flags->trace_lanes, "Comma-separated lanes whose accumulators are traced")
      ->capture_default_str();
  sub->add_option("--report-dir", flags->report_dir, "Where summary.json and layers.csv go")
      ->check(output_dir())
      ->capture_default_str();
  sub->add_option("--dump-dir", flags->dump_dir, "Write raw accumulators per encoding and layer as .npy")
      ->check(output_dir());
  sub->add_option("--image-range", flags->image_range,
                  "Only test images A..B-1 of the first --images (A:B; A a multiple of --lanes); "
                  "slqsim merge joins such runs");
  sub->add_flag("--reproducible", flags->reproducible, "Write sim_wall_seconds as null: byte-identical reports");
  sub->callback([flags] { run_command(*flags); });
}

}  // namespace slq
