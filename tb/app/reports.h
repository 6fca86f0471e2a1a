// The run's reports (docs/networks.md): summary.json, layers.csv, the .npy accumulator dumps and the
// table on stdout. Every file is written atomically; a report of an interrupted run says so.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/nn/net_runner.h"
#include "models/nn/network.h"
#include "models/cost/energy.h"
#include "models/nn/qnet.h"

namespace slq::tb {

struct RunReport {
  nlohmann::ordered_json config;  // the options, as tb::Options::to_json
  int lanes = 16;                  // P (for utilization)
  // The cost model (models/cost/energy.h): the table and the accelerator's parameters (the
  // memory's size is each encoding's network image); null: no energy reported.
  const EnergyTable* energy = nullptr;
  CostParams cost;
  double clock_period_ns = 1;
  const Network* net = nullptr;
  const Calibration* calibration = nullptr;
  std::string options_yaml;       // the options as a config file (options.yaml)
  size_t first_image = 0;         // the run covers test images [first_image, first_image + images_requested)
  size_t images_requested = 0;
  size_t images = 0;              // images every encoding finished (from first_image on)
  double float_accuracy = 0;      // over the same images
  std::vector<int> float_predictions;
  bool with_cycles = true;        // false for --sim-mode model
  bool reproducible = false;      // sim_wall_seconds written as null
  bool complete = true;
  std::string stopped_because;    // why an incomplete run stopped
  const std::vector<EncodingRun>* runs = nullptr;
};

std::string summary_json(const RunReport& r);
// The binary baseline of the run (models::binary_cost on the first encoding's passes).
BinaryCost binary_baseline(const RunReport& r);
std::string layers_csv(const RunReport& r);
void print_table(const RunReport& r, std::ostream& os);
// Every block's statistics per encoding and layer, as aligned STATS blocks (stats.txt).
std::string stats_text(const RunReport& r);
// True when the report covers only part of the job's images (run --image-range).
bool partial_range(const RunReport& r);
// Writes summary.json, layers.csv, stats.txt, and what `merge` reads: options.yaml (the
// options as a config file) and state.json (the counts, tb/app/run_state.h), into dir.
void write_reports(const RunReport& r, const std::string& dir);
// Writes <encoding>_<layer>.npy per encoding and layer into dir (int32, [images, outputs...]).
void write_dumps(const RunReport& r, const std::vector<std::vector<int64_t>>& layer_shapes, const std::string& dir);

}  // namespace slq::tb
