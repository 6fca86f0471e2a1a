// slqsim run: a network on the simulated accelerator, every requested encoding, reports.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
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
#include "tb/app/run_state.h"
#include "tb/app/workers.h"
#include "tb/wave/tracing.h"

namespace slq {
namespace {

struct RunFlags {
  tb::Options sim;
  std::string vcd, window, trace_lanes = "0", report_dir = "out", dump_dir, image_range;
  bool reproducible = false;
  int jobs = 0;  // 0: every core
};

namespace fs = std::filesystem;

// A worker of run --jobs writes how far it is to this file (SLQSIM_PROGRESS_FILE), for the
// parent's progress line: "DONE TOTAL" in encoding-images, at most every 200 ms and at the end.
class ProgressFile {
 public:
  ProgressFile() {
    const char* path = std::getenv("SLQSIM_PROGRESS_FILE");
    if (path) path_ = path;
  }
  void update(size_t done, size_t total, bool force = false) {
    if (path_.empty()) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    write_file_atomic(path_, std::to_string(done) + " " + std::to_string(total) + "\n");
  }

 private:
  std::string path_;
  std::chrono::steady_clock::time_point last_{};
};

// run --jobs N: N worker processes of `slqsim run` over adjacent image ranges of whole batches
// (each elaborates its own accelerators; fast mode shares nothing), joined as slqsim merge joins
// runs. The workers' report directories stay in REPORT_DIR/parts when one fails or is stopped.
void run_workers(const RunFlags& f, const tb::ImageRange& range, int jobs) {
  const tb::Options& o = f.sim;
  // The model is read and checked before any worker starts: a model the array cannot take exits 2
  // at once. The rest of the setup (calibration, quantization) the parent does while the workers
  // do theirs, for the join.
  check_mappable(load_onnx(o.model));
  const std::string parts = f.report_dir + "/parts";
  std::error_code ignored;
  fs::remove_all(parts, ignored);
  fs::create_directories(parts);
  write_file_atomic(parts + "/options.yaml", o.to_yaml());
  const size_t P = static_cast<size_t>(o.lanes), E = o.formats().size();
  const size_t batches = (range.end - range.first + P - 1) / P;
  struct Worker {
    std::string dir;
    uint64_t first = 0, end = 0;
    pid_t pid = 0;
    bool running = true;
    int status = 0;
    size_t done = 0;
  };
  std::vector<Worker> workers;
  const std::string exe = tb::self_exe();
  // The workers log as the parent does (spdlog calls warn "warning"; --log-level says warn).
  const std::string level = spdlog::get_level() == spdlog::level::warn
                                ? "warn"
                                : std::string(spdlog::level::to_string_view(spdlog::get_level()).data());
  size_t next_batch = 0;
  for (int k = 0; k < jobs; ++k) {
    const size_t n = batches / size_t(jobs) + (size_t(k) < batches % size_t(jobs) ? 1 : 0);
    Worker w;
    w.dir = parts + "/" + std::to_string(k);
    w.first = range.first + next_batch * P;
    w.end = std::min<uint64_t>(range.end, w.first + n * P);
    next_batch += n;
    fs::create_directories(w.dir);
    std::vector<std::string> args{exe, "run", "--config", parts + "/options.yaml", "--image-range",
                                  std::to_string(w.first) + ":" + std::to_string(w.end), "--report-dir", w.dir,
                                  "--jobs", "1", "--log-level", level};
    if (f.reproducible) args.push_back("--reproducible");
    try {
      w.pid = tb::spawn_worker(args, w.dir + "/log.txt", {"SLQSIM_PROGRESS_FILE=" + w.dir + "/progress"});
    } catch (...) {
      for (const Worker& started : workers) kill(started.pid, SIGKILL);
      throw;
    }
    register_child(w.pid);
    workers.push_back(w);
  }
  spdlog::info("started {} worker processes, each calibrating before it simulates", jobs);
  std::unique_ptr<tb::RunSetup> setup;
  try {
    setup = std::make_unique<tb::RunSetup>(o);
  } catch (...) {  // bad options the model check did not see: the workers stop too
    for (const Worker& w : workers) kill(w.pid, SIGKILL);
    for (const Worker& w : workers) waitpid(w.pid, nullptr, 0);
    fs::remove_all(parts, ignored);
    throw;
  }
  bool announced = false;
  Progress progress("run", (range.end - range.first) * E);
  bool stopping = false;
  std::string failure;
  int failure_code = 1;
  auto stop_all = [&] {
    if (stopping) return;
    stopping = true;
    for (const Worker& w : workers)
      if (w.running) kill(w.pid, SIGINT);  // each writes what it finished, then exits
  };
  for (size_t left = workers.size(); left > 0;) {
    if (interrupted()) stop_all();
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (Worker& w : workers)
        if (w.pid == pid && w.running) {
          w.running = false;
          unregister_child(pid);
          w.status = status;
          --left;
          const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
          if (!ok && failure.empty() && !interrupted()) {
            failure = "worker for images " + std::to_string(w.first) + ".." + std::to_string(w.end - 1) + " failed (" +
                      (WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                           : "exit code " + std::to_string(WEXITSTATUS(status))) +
                      "): " + tb::last_line(w.dir + "/log.txt");
            failure_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
            stop_all();
          }
        }
      continue;
    }
    size_t done = 0;
    bool started = false;
    for (Worker& w : workers) {
      std::ifstream in(w.dir + "/progress");
      size_t d = 0, t = 0;
      if (in >> d >> t) w.done = d, started = true;
      done += w.done;
    }
    if (started && !announced) {
      announced = true;
      spdlog::info("simulating {} images x {} encodings ({}) on {} worker processes", range.end - range.first, E,
                   o.sim_mode, jobs);
    }
    progress.update(done);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  progress.finish();
  if (failure.empty() && !interrupted()) {
    std::vector<std::string> dirs;
    for (const Worker& w : workers) dirs.push_back(w.dir);
    const tb::RunReport report = tb::merge_runs(dirs, *setup, f.reproducible);
    tb::write_reports(report, f.report_dir);
    tb::print_table(report, std::cout);
    fs::remove_all(parts, ignored);
    spdlog::info("reports written to {}/summary.json and {}/layers.csv", f.report_dir, f.report_dir);
    return;
  }
  // Nothing finished is lost: the report of the images finished from the first on (as one
  // process stopped there would write it), and where each range's reports are.
  std::vector<std::string> prefix;
  bool prefix_open = true;
  for (const Worker& w : workers) {
    std::string what = "no report";
    if (fs::exists(w.dir + "/state.json")) {
      std::ifstream in(w.dir + "/state.json", std::ios::binary);
      const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      const tb::RunState st = tb::RunState::from_json(text, w.dir + "/state.json");
      what = st.complete ? "complete" : "finished " + std::to_string(st.images) + " of " + std::to_string(st.images_requested);
      if (prefix_open) prefix.push_back(w.dir);
      prefix_open = prefix_open && st.complete;  // no gap: the ranges after an unfinished one wait
    } else {
      prefix_open = false;
    }
    spdlog::warn("images {}..{}: {} [{}]", w.first, w.end - 1, what, w.dir);
  }
  if (!prefix.empty()) {
    tb::RunReport report = tb::merge_runs(prefix, *setup, f.reproducible, true);
    report.complete = false;
    report.images_requested = range.end - range.first;
    if (!failure.empty()) report.stopped_because = failure;  // the others were stopped because of it
    else if (report.stopped_because.empty()) report.stopped_because = "interrupted (Ctrl-C)";
    tb::write_reports(report, f.report_dir);
    spdlog::warn("run incomplete: {} of {} images from the first in {}", report.images, report.images_requested,
                 f.report_dir);
  }
  spdlog::warn("each range's reports are in its directory; slqsim merge joins complete ranges, run --image-range redoes the rest");
  if (!failure.empty()) {
    spdlog::error("{}", failure);
    throw CLI::RuntimeError(failure_code);
  }
  throw Interrupted();
}

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
  const int jobs = f.jobs > 0 ? f.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
  const size_t batches = (range.end - range.first + size_t(o.lanes) - 1) / size_t(o.lanes);
  if (jobs > 1 && batches > 1) {
    if (!f.vcd.empty() || !f.dump_dir.empty())
      spdlog::info("{}: one process", f.vcd.empty() ? "--dump-dir" : "--vcd");
    else
      return run_workers(f, range, int(std::min<size_t>(size_t(jobs), batches)));
  }
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
    ProgressFile progress_file;
    progress_file.update(0, total * runs.size(), true);
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
        progress_file.update((first - range.first) * runs.size() + (e + 1) * count, total * runs.size());
      }
      report.images = first + count - range.first;
    }
    progress.finish();
    progress_file.update(report.images * runs.size(), total * runs.size(), true);
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
  sub->add_option("--jobs,-j", flags->jobs,
                  "Worker processes, each a range of whole batches of images (default: every core; one with "
                  "--vcd or --dump-dir); the reports are those of one process")
      ->check(CLI::Range(1, 1024));
  sub->callback([flags] { run_command(*flags); });
}

}  // namespace slq
