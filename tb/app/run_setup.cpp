#include "tb/app/run_setup.h"

#include <spdlog/spdlog.h>

#include "models/errors.h"
#include "models/interrupt.h"
#include "models/io/idx.h"
#include "models/io/onnx_model.h"
#include "tb/app/energy_table.h"

namespace slq::tb {

RunSetup::RunSetup(Options o) : options(std::move(o)) {
  options.validate();
  net = load_onnx(options.model);
  check_mappable(net);
  const Dataset train = load_fashion_mnist(options.data_dir, true, static_cast<size_t>(options.calibration_images));
  check_training_set(net, train);
  spdlog::info("model {}: {} ops; calibrating on {} training images", options.model, net.ops.size(), train.size());
  for (const Op& op : net.ops) {
    if (!op.folded.empty()) spdlog::info("BatchNormalization '{}' folded into '{}'", op.folded, op.name);
    if (op.kind == OpKind::affine) spdlog::info("BatchNormalization '{}' runs as a digital per-channel affine", op.name);
    if (op.group > 1) spdlog::info("'{}': {} groups, one weight stream per group", op.name, op.group);
  }
  if (!net.dropped_softmax.empty()) spdlog::info("'{}' ends the model: dropped (the argmax is the same)", net.dropped_softmax);
  try {
    calibration = calibrate(net, train, train.size(), options.stream_bits, options.calibration_percentile);
  } catch (const Interrupted&) {
    spdlog::warn("interrupted during calibration: nothing simulated, no report written");
    throw;
  }
  runs = options.encoding_runs(net);
  if (options.energy_table.empty()) options.energy_table = default_energy_table();
  energy = read_energy_table(options.energy_table);
}

RunReport RunSetup::report(const std::vector<EncodingRun>& encoding_runs, bool reproducible) const {
  RunReport r;
  r.config = options.to_json();
  r.config["energy_table_digest"] = energy.digest;
  r.options_yaml = options.to_yaml();
  r.lanes = options.lanes;
  r.energy = &energy;
  r.cost = options.cost();
  r.clock_period_ns = double(options.clock_period_ps) / 1000.0;
  r.net = &net;
  r.calibration = &calibration;
  r.images_requested = options.images;
  r.with_cycles = options.sim_mode != "model";
  r.reproducible = reproducible;
  r.runs = &encoding_runs;
  return r;
}

ImageRange parse_image_range(const std::string& text, uint64_t images, int lanes) {
  const std::string flag = "--image-range";
  const size_t colon = text.find(':');
  auto number = [&](const std::string& s) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 12)
      throw InputError(flag, "", "expected A:B (test images A..B-1), got '" + text + "'");
    return std::stoull(s);
  };
  if (colon == std::string::npos) throw InputError(flag, "", "expected A:B (test images A..B-1), got '" + text + "'");
  ImageRange r{number(text.substr(0, colon)), number(text.substr(colon + 1))};
  if (r.first >= r.end) throw InputError(flag, "", "empty range '" + text + "' (A must be less than B)");
  if (r.end > images)
    throw InputError(flag, "", "range '" + text + "' ends past --images " + std::to_string(images) +
                                   " (the whole job's images)");
  if (r.first % uint64_t(lanes) != 0)
    throw InputError(flag, "", "A = " + std::to_string(r.first) + " must be a multiple of --lanes " +
                                   std::to_string(lanes) + ", so the images share batches as in one run over all");
  return r;
}

}  // namespace slq::tb
