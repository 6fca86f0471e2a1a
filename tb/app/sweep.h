// Design-space sweeps (docs/sweeps.md): the plan of a sweep file, one `run` per point, and the
// table of all points' results with their Pareto fronts.
//
//   base:   {model: data/lenet_fmnist.onnx, images: 200}   # any key of `run`'s config
//   grid:   {theta: [0, 0.0078125, 0.03125], encodings: [tag, lq]}
//   points: [{L: 1}, {L: 3, word-bits: 4}]                 # optional, explicit settings
//
// The points are every combination of the grid's axes (the last axis varies fastest), each
// combined with every explicit point in turn (or alone when `points` is absent), on top of
// `base`. `grid` may also be a list of such maps: their points follow each other (e.g. θ and L
// for tag, and only b for lq). Each point is one deterministic `slqsim run` with its own
// report directory.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tb/app/options.h"

namespace slq::tb {

struct SweepPoint {
  std::string config_yaml;  // the point's options as a run config file (every key of base and axes)
  std::string label;        // "theta=0.03125 encodings=tag": the values that vary
  Options options;          // what the run will use
};

struct SweepPlan {
  std::string text;  // the sweep file's bytes
  std::vector<SweepPoint> points;
};

// Reads and checks a sweep file: unknown keys, bad values and bad combinations throw
// InputError naming the file, the position or the point.
SweepPlan read_sweep(const std::string& path);

// The report directory of point `index` under the sweep's output directory.
std::string point_dir(const std::string& out, size_t index);
// True when the point's report is complete and was made from the planned config.
bool point_finished(const std::string& out, size_t index, const SweepPoint& p);

// One row per finished point and encoding: every option's value, the run's metrics and
// whether the row is on the Pareto fronts (accuracy up; bits per weight, cycles and energy per
// image down). `finished[i]` says whether point i has a report.
// `front`, if given, receives (point, encoding) of the rows on the overall front.
std::string sweep_csv(const std::string& out, const SweepPlan& plan, const std::vector<bool>& finished,
                      std::vector<std::pair<size_t, std::string>>* front = nullptr);

// Pareto fronts over rows of objectives: `maximize[k]` says the direction of objective k; a
// NaN objective (not measured, e.g. cycles with --sim-mode model) is left out of comparisons.
// Returns, per row, whether no other row dominates it.
std::vector<bool> pareto_front(const std::vector<std::vector<double>>& rows, const std::vector<bool>& maximize);

}  // namespace slq::tb
