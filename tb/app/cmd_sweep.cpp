// slqsim sweep: many runs, one per point of a sweep file, on local worker processes or as a
// Slurm job array; DIR/sweep.csv joins their results (tb/app/sweep.h, docs/sweeps.md).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "models/errors.h"
#include "models/interrupt.h"
#include "tb/app/cli.h"
#include "tb/app/commands.h"
#include "tb/app/sweep.h"
#include "tb/app/workers.h"

namespace slq {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct SweepFlags {
  std::string config, out, merge;
  int jobs = 0;  // 0: every core
  bool slurm = false, submit = false;
  long point = -1;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Starts `slqsim run` for one point, with stdout and stderr in the point's log.txt.
pid_t spawn_point(const std::string& exe, const std::string& dir) {
  // One process per point: the sweep already keeps every core busy with points.
  return tb::spawn_worker({exe, "run", "--config", dir + "/config.yaml", "--report-dir", dir, "--reproducible", "--jobs", "1"},
                          dir + "/log.txt");
}

struct Outcome {
  size_t done = 0, failed = 0;
  bool interrupted = false;
};

// Runs the points `todo` with at most `jobs` at once.
Outcome run_points(const tb::SweepPlan& plan, const std::string& out, std::vector<size_t> todo, int jobs) {
  const std::string exe = tb::self_exe();
  struct Running {
    pid_t pid;
    size_t index;
    Clock::time_point start;
  };
  std::vector<Running> running;
  Outcome o;
  const size_t total = todo.size();
  const auto start = Clock::now();
  bool forwarded = false;
  size_t next = 0;
  while (next < todo.size() || !running.empty()) {
    if (interrupted() && !forwarded) {  // stop starting points; let the running ones write what they finished
      forwarded = true;
      o.interrupted = true;
      todo.resize(next);
      for (const Running& r : running) kill(r.pid, SIGINT);
      spdlog::warn("interrupted: waiting for {} running points to stop", running.size());
    }
    while (next < todo.size() && running.size() < size_t(jobs)) {
      const size_t i = todo[next++];
      const std::string dir = tb::point_dir(out, i);
      fs::create_directories(dir);
      fs::remove(dir + "/summary.json");  // a report left by an earlier config never counts
      write_file_atomic(dir + "/config.yaml", plan.points[i].config_yaml);
      running.push_back({spawn_point(exe, dir), i, Clock::now()});
      register_child(running.back().pid);
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    auto it = std::find_if(running.begin(), running.end(), [&](const Running& r) { return r.pid == pid; });
    if (it == running.end()) continue;
    const Running r = *it;
    running.erase(it);
    unregister_child(r.pid);
    const double seconds = std::chrono::duration<double>(Clock::now() - r.start).count();
    const std::string dir = tb::point_dir(out, r.index);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && tb::point_finished(out, r.index, plan.points[r.index]);
    if (ok) {
      ++o.done;
    } else {
      ++o.failed;
      const std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                                  : "exit code " + std::to_string(WEXITSTATUS(status));
      if (!o.interrupted)
        spdlog::error("point {} ({}) failed ({}): {} [{}/log.txt]", r.index, plan.points[r.index].label, how,
                      tb::last_line(dir + "/log.txt"), dir);
    }
    const size_t finished = o.done + o.failed;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const size_t left = todo.size() - finished;
    const std::string eta = format_duration(static_cast<long long>(elapsed / double(finished) * double(left) + 0.5));
    if (ok)
      spdlog::info("point {} done in {:.1f} s ({}); {}/{}, ETA {}", r.index, seconds, plan.points[r.index].label,
                   finished, total, left ? eta : "0:00");
  }
  return o;
}

std::vector<bool> finished_points(const tb::SweepPlan& plan, const std::string& out) {
  std::vector<bool> f(plan.points.size());
  for (size_t i = 0; i < f.size(); ++i) f[i] = tb::point_finished(out, i, plan.points[i]);
  return f;
}

// Writes DIR/sweep.csv from the finished points, prints the Pareto front, and says what is missing.
size_t write_csv(const tb::SweepPlan& plan, const std::string& out) {
  const std::vector<bool> finished = finished_points(plan, out);
  std::vector<std::pair<size_t, std::string>> front;
  const std::string csv = tb::sweep_csv(out, plan, finished, &front);
  write_file_atomic(out + "/sweep.csv", csv);
  const size_t count = size_t(std::count(csv.begin(), csv.end(), '\n')) - 1;
  std::cout << "Pareto front (accuracy up; bits per weight, cycles and energy per image down):\n";
  for (const auto& [index, encoding] : front)
    std::cout << "  point " << index << " " << encoding << ": " << plan.points[index].label << "\n";
  size_t missing = 0;
  std::string which;
  for (size_t i = 0; i < finished.size(); ++i)
    if (!finished[i]) {
      ++missing;
      if (missing <= 20) which += (which.empty() ? "" : ", ") + std::to_string(i);
    }
  spdlog::info("{}/sweep.csv: {} rows from {} of {} points, {} on the Pareto front", out, count,
               finished.size() - missing, finished.size(), front.size());
  if (missing) spdlog::warn("{} points not finished: {}{}", missing, which, missing > 20 ? ", ..." : "");
  return missing;
}

// Compressed index list for sbatch --array: "0-3,7,9-10".
std::string array_spec(const std::vector<size_t>& v) {
  std::string s;
  for (size_t k = 0; k < v.size();) {
    size_t j = k;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    s += (s.empty() ? "" : ",") + std::to_string(v[k]) + (j > k ? "-" + std::to_string(v[j]) : "");
    k = j + 1;
  }
  return s;
}

std::string run_sbatch(const std::string& args) {
  const std::string command = "sbatch --parsable " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw InputError("--submit", "", "cannot run sbatch");
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  if (status != 0 || output.empty() ||
      (output.find_first_not_of("0123456789;") != std::string::npos && output.find_first_of("0123456789") != 0))
    throw InputError("--submit", "", "sbatch failed: " + (output.empty() ? std::string("no output") : output));
  return output.substr(0, output.find(';'));
}

void write_slurm(const tb::SweepPlan& plan, const std::string& out, const std::vector<size_t>& todo, bool submit) {
  const std::string exe = tb::self_exe(), cwd = fs::current_path().string(), dir = fs::absolute(out).string();
  const std::string sweep = dir + "/sweep.yaml";
  const std::string slurm = dir + "/slurm";
  std::ostringstream points;
  points << "#!/bin/bash\n"
         << "# One task per unfinished point of the sweep in " << dir << " (written by slqsim sweep --slurm).\n"
         << "#SBATCH --job-name=slqsim-sweep\n"
         << "#SBATCH --array=" << array_spec(todo) << "\n"
         << "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n"
         << "#SBATCH --output=" << slurm << "/point-%a.out\n"
         << "cd " << shell_quote(cwd) << "\n"
         << "exec " << shell_quote(exe) << " sweep --config " << shell_quote(sweep) << " --out " << shell_quote(dir)
         << " --point \"$SLURM_ARRAY_TASK_ID\"\n";
  std::ostringstream merge;
  merge << "#!/bin/bash\n"
        << "# Joins the finished points of the sweep in " << dir << " into sweep.csv.\n"
        << "#SBATCH --job-name=slqsim-sweep-merge\n"
        << "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n"
        << "#SBATCH --output=" << slurm << "/merge.out\n"
        << "cd " << shell_quote(cwd) << "\n"
        << "exec " << shell_quote(exe) << " sweep --merge " << shell_quote(dir) << "\n";
  write_file_atomic(slurm + "/points.sbatch", points.str());
  write_file_atomic(slurm + "/merge.sbatch", merge.str());
  spdlog::info("wrote {}/points.sbatch ({} tasks) and {}/merge.sbatch", slurm, todo.size(), slurm);
  if (!submit) {
    std::cout << "submit with:\n  id=$(sbatch --parsable " << slurm << "/points.sbatch)\n"
              << "  sbatch --dependency=afterany:$id " << slurm << "/merge.sbatch\n";
    return;
  }
  const std::string array_id = run_sbatch(shell_quote(slurm + "/points.sbatch"));
  const std::string merge_id =
      run_sbatch("--dependency=afterany:" + array_id + " " + shell_quote(slurm + "/merge.sbatch"));
  std::cout << "submitted: points " << array_id << ", merge " << merge_id << "\n";
  write_file_atomic(slurm + "/jobs.txt", array_id + "\n" + merge_id + "\n");
}

void sweep_command(SweepFlags& f) {
  if (!f.merge.empty()) {
    if (!f.config.empty() || !f.out.empty() || f.slurm || f.point >= 0)
      throw InputError("--merge", "", "takes only the sweep's directory");
    const tb::SweepPlan plan = tb::read_sweep(f.merge + "/sweep.yaml");
    if (write_csv(plan, f.merge) > 0) throw CLI::RuntimeError(1);
    return;
  }
  if (f.out.empty()) throw InputError("--out", "", "required: the sweep's directory");
  if (f.config.empty()) f.config = f.out + "/sweep.yaml";  // --point on a sweep that has begun
  if (f.submit && !f.slurm) throw InputError("--submit", "", "needs --slurm");
  const tb::SweepPlan plan = tb::read_sweep(f.config);
  const std::string stored = f.out + "/sweep.yaml";
  if (fs::exists(stored)) {
    if (read_all(stored) != plan.text)
      throw InputError(f.out, "", "holds another sweep (its sweep.yaml differs from " + f.config +
                                      "): choose another --out or remove it");
  } else {
    write_file_atomic(stored, plan.text);
  }
  if (f.point >= 0) {
    if (size_t(f.point) >= plan.points.size())
      throw InputError("--point", "", std::to_string(f.point) + " is not a point (the sweep has " +
                                          std::to_string(plan.points.size()) + ")");
    if (tb::point_finished(f.out, size_t(f.point), plan.points[size_t(f.point)])) {
      spdlog::info("point {} is already finished", f.point);
      return;
    }
    const Outcome o = run_points(plan, f.out, {size_t(f.point)}, 1);
    if (o.interrupted) throw Interrupted();
    if (o.failed) throw CLI::RuntimeError(1);
    return;
  }
  std::vector<size_t> todo;
  for (size_t i = 0; i < plan.points.size(); ++i)
    if (!tb::point_finished(f.out, i, plan.points[i])) todo.push_back(i);
  spdlog::info("sweep {}: {} points, {} finished before, {} to run", f.config, plan.points.size(),
               plan.points.size() - todo.size(), todo.size());
  if (f.slurm) {
    if (todo.empty()) {
      write_csv(plan, f.out);
      return;
    }
    write_slurm(plan, f.out, todo, f.submit);
    return;
  }
  const int jobs = f.jobs > 0 ? f.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
  const Outcome o = run_points(plan, f.out, todo, jobs);
  const size_t missing = write_csv(plan, f.out);
  if (o.interrupted) throw Interrupted();
  if (missing > 0) {
    spdlog::error("{} points failed; their logs say why; run the sweep again to retry them", missing);
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void register_sweep(CLI::App& app) {
  auto flags = std::make_shared<SweepFlags>();
  CLI::App* sub = app.add_subcommand("sweep", "Run every point of a design-space sweep and tabulate the results");
  sub->add_option("--config", flags->config, "The sweep file (YAML: base, grid, points; docs/sweeps.md)")
      ->check(CLI::ExistingFile);
  sub->add_option("--out", flags->out, "The sweep's directory: a report directory per point, sweep.csv")
      ->check(output_dir());
  sub->add_option("--jobs,-j", flags->jobs, "Worker processes (default: every core)")->check(CLI::Range(1, 1024));
  sub->add_flag("--slurm", flags->slurm, "Write a Slurm job array (one task per point) and a merge job");
  sub->add_flag("--submit", flags->submit, "With --slurm: submit both with sbatch");
  sub->add_option("--point", flags->point, "Run only this point (what a Slurm task runs)")->check(CLI::Range(0L, 1000000L));
  sub->add_option("--merge", flags->merge, "Write DIR/sweep.csv from the points finished so far")
      ->check(CLI::ExistingDirectory);
  sub->callback([flags] { sweep_command(*flags); });
}

}  // namespace slq
