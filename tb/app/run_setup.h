// What every command that runs a network shares before the first image: the model loaded and
// checked, the activation scales calibrated on training images, the network quantized for every
// encoding, the cost table read, and a report that points at all of it. `run`, `merge` and
// `tune` start here, so a merged report is built from exactly what a run builds.
#pragma once
#include <string>
#include <vector>

#include "models/cost/energy.h"
#include "models/nn/net_runner.h"
#include "models/nn/network.h"
#include "models/nn/qnet.h"
#include "tb/app/options.h"
#include "tb/app/reports.h"

namespace slq::tb {

class RunSetup {
 public:
  // Loads, checks and calibrates (Ctrl-C during calibration throws Interrupted).
  explicit RunSetup(Options options);
  RunSetup(const RunSetup&) = delete;
  RunSetup& operator=(const RunSetup&) = delete;

  // A report of `runs` (which must outlive it) with the options' echo and the cost model.
  RunReport report(const std::vector<EncodingRun>& runs, bool reproducible) const;

  Options options;
  Network net;
  Calibration calibration;
  EnergyTable energy;
  std::vector<EncodingRun> runs;  // the network quantized for every encoding, no images run yet
};

// "A:B" of --image-range: test images A..B-1 within the first `images`, A a multiple of
// `lanes` (the dense layers' batches must fall as in one run over all images).
struct ImageRange {
  uint64_t first = 0, end = 0;
};
ImageRange parse_image_range(const std::string& text, uint64_t images, int lanes);

// The report of one run over all images, from the report directories of runs of `setup`'s
// options over disjoint, adjacent image ranges (slqsim merge, run --jobs). Throws InputError for
// an unfinished run, a gap, an overlap or another energy table. With `prefix`, the last run may
// be unfinished: the report is then incomplete, with that run's reason.
RunReport merge_runs(const std::vector<std::string>& dirs, RunSetup& setup, bool reproducible, bool prefix = false);

}  // namespace slq::tb
