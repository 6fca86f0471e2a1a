// What a run finished, in a form another process can add to: state.json next to the reports.
// `slqsim merge` reads the states of runs over disjoint image ranges (run --image-range A:B)
// and writes the reports one run over all of them would have written (docs/scaling.md).
// Everything here is a count (integers), so merged sums are exact.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/nn/net_runner.h"

namespace slq::tb {

struct EncodingState {
  std::string name;
  std::vector<PassStats> layer_stats;
  std::vector<uint64_t> layer_macs, layer_passes;
  std::vector<int> predictions;  // per image of the range, in order
  uint64_t correct = 0;
  double sim_wall_seconds = 0;
};

struct RunState {
  uint64_t first_image = 0;      // the range is [first_image, first_image + images_requested)
  uint64_t images_requested = 0;
  uint64_t images = 0;           // images every encoding finished (from first_image on)
  bool complete = true;
  std::string stopped_because;
  std::string energy_table_digest;
  std::vector<int> float_predictions;
  std::vector<EncodingState> encodings;

  static RunState of(const std::vector<EncodingRun>& runs);  // the encodings' counts
  // Adds the counts of `runs` per encoding and layer (same encodings and layers, in order).
  void add_to(std::vector<EncodingRun>& runs) const;
  std::string to_json() const;
  // Throws InputError naming `file` when the text is not a state this version wrote.
  static RunState from_json(const std::string& text, const std::string& file);
};

}  // namespace slq::tb
