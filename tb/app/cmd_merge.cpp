// slqsim merge DIR... --report-dir OUT: the reports of one run over all images, from runs over
// disjoint image ranges of the same job (run --image-range A:B), e.g. spread over a cluster.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "models/errors.h"
#include "models/io/idx.h"
#include "tb/app/cli.h"
#include "tb/app/commands.h"
#include "tb/app/run_setup.h"
#include "tb/app/run_state.h"

namespace slq {
namespace {

struct MergeFlags {
  std::vector<std::string> dirs;
  std::string report_dir = "out";
  bool reproducible = false;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot be read (is it the report directory of slqsim run?)");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// The first line where two texts differ, for the message.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream x(a), y(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = bool(std::getline(x, la)), more_b = bool(std::getline(y, lb));
    if (!more_a && !more_b) return "";
    if (la != lb || more_a != more_b) return "line " + std::to_string(line) + ": '" + la + "' against '" + lb + "'";
  }
}

struct Part {
  std::string dir;
  tb::RunState state;
};

void merge_command(const MergeFlags& f) {
  std::string options_text;
  for (const std::string& dir : f.dirs) {
    const std::string yaml = read_text(dir + "/options.yaml");
    if (options_text.empty()) options_text = yaml;
    else if (yaml != options_text)
      throw InputError(dir + "/options.yaml", "", "the runs' options differ from " + f.dirs.front() +
                                                      "'s (" + first_difference(options_text, yaml) + ")");
  }
  tb::Options o;
  tb::apply_options_file(o, f.dirs.front() + "/options.yaml");
  tb::RunSetup setup(o);
  const tb::RunReport report = tb::merge_runs(f.dirs, setup, f.reproducible);
  tb::write_reports(report, f.report_dir);
  tb::print_table(report, std::cout);
  spdlog::info("merged {} runs ({} images from {}) into {}", f.dirs.size(), report.images, report.first_image,
               f.report_dir);
}

}  // namespace

namespace tb {

RunReport merge_runs(const std::vector<std::string>& dirs, RunSetup& setup, bool reproducible, bool prefix) {
  std::vector<Part> parts;
  for (const std::string& dir : dirs) {
    const std::string state_path = dir + "/state.json";
    Part p{dir, tb::RunState::from_json(read_text(state_path), state_path)};
    if (!p.state.complete && !(prefix && &dir == &dirs.back()))
      throw InputError(state_path, "", "the run finished " + std::to_string(p.state.images) + " of its " +
                                           std::to_string(p.state.images_requested) + " images (" +
                                           p.state.stopped_because + "): run it again first");
    parts.push_back(std::move(p));
  }
  std::sort(parts.begin(), parts.end(),
            [](const Part& a, const Part& b) { return a.state.first_image < b.state.first_image; });
  for (size_t k = 1; k < parts.size(); ++k) {
    const uint64_t end = parts[k - 1].state.first_image + parts[k - 1].state.images_requested;
    const uint64_t next = parts[k].state.first_image;
    if (next < end)
      throw InputError(parts[k].dir, "", "its images " + std::to_string(next) + ".. overlap those of " +
                                             parts[k - 1].dir + " (up to " + std::to_string(end - 1) + ")");
    if (next > end)
      throw InputError(parts[k].dir, "", "images " + std::to_string(end) + ".." + std::to_string(next - 1) +
                                             " are in none of the runs");
  }
  for (const Part& p : parts)
    if (p.state.energy_table_digest != setup.energy.digest)
      throw InputError(p.dir + "/state.json", "", "made with another energy table than " + setup.options.energy_table +
                                                      " holds now");
  std::vector<EncodingRun>& runs = setup.runs;
  for (EncodingRun& r : runs) {  // empty counts, to add the parts to
    r.layer_stats.assign(r.layers.size(), PassStats{});
    r.layer_macs.assign(r.layers.size(), 0);
    r.layer_passes.assign(r.layers.size(), 0);
  }
  tb::RunReport report = setup.report(runs, reproducible);
  report.first_image = parts.front().state.first_image;
  report.images_requested = 0;
  for (const Part& p : parts) {
    if (p.state.encodings.size() != runs.size())
      throw InputError(p.dir + "/state.json", "", "holds " + std::to_string(p.state.encodings.size()) +
                                                      " encodings, the options " + std::to_string(runs.size()));
    for (size_t e = 0; e < runs.size(); ++e)
      if (p.state.encodings[e].name != runs[e].name || p.state.encodings[e].layer_stats.size() != runs[e].layers.size())
        throw InputError(p.dir + "/state.json", "", "encoding '" + p.state.encodings[e].name +
                                                        "' does not match the model's layers");
    p.state.add_to(runs);
    report.images_requested += p.state.images_requested;
    report.images += p.state.images;
    report.float_predictions.insert(report.float_predictions.end(), p.state.float_predictions.begin(),
                                    p.state.float_predictions.end());
  }
  // The float reference's labels are not in the states: count agreement with the test labels again.
  const Dataset test = load_fashion_mnist(setup.options.data_dir, false, report.first_image + report.images);
  size_t correct = 0;
  for (size_t i = 0; i < report.images; ++i)
    correct += report.float_predictions[i] == test.labels[report.first_image + i];
  report.float_accuracy = report.images ? double(correct) / double(report.images) : 0.0;
  if (!parts.back().state.complete) {
    report.complete = false;
    report.stopped_because = parts.back().state.stopped_because;
  }
  return report;
}

}  // namespace tb

namespace {
}  // namespace

void register_merge(CLI::App& app) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* sub = app.add_subcommand("merge", "Join the reports of runs over disjoint image ranges (run --image-range)");
  sub->add_option("dirs", flags->dirs, "Report directories of slqsim run (each with options.yaml and state.json)")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub->add_option("--report-dir", flags->report_dir, "Where the merged summary.json, layers.csv and stats.txt go")
      ->check(output_dir())
      ->capture_default_str();
  sub->add_flag("--reproducible", flags->reproducible, "Write sim_wall_seconds as null: byte-identical reports");
  sub->callback([flags] { merge_command(*flags); });
}

}  // namespace slq
