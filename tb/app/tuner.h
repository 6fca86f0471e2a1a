// Per-layer θ: the search behind `slqsim tune` (docs/tuning.md). Each layer picks one θ from a
// ladder of candidates (ascending: a larger θ stops SLQ earlier, so fewer words and usually, not
// always, less accuracy). The search
//   1. evaluates every single-θ point (all layers at the same candidate) and starts from the best
//      one for the target: the fewest words at the accuracy floor, or the best accuracy within
//      the words-per-weight budget;
//   2. from there, and again from every layer at the smallest θ, moves one layer at a time one
//      step up its ladder (skipping steps that change no word):
//      - with an accuracy floor: the move saving the most words per accuracy point lost among
//        those that keep the floor, until no move does;
//      - with a budget: the move losing the least accuracy per word saved, until within budget;
//   3. returns the better of the two descents, so never a point worse (on the validation images)
//      than the best single-θ point.
// Accuracy comes from a callback (the quantized network on validation images); words per
// weight from the layers' word counts, without running anything.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace slq::tb {

struct TuneLayer {
  std::string name;
  uint64_t weights = 0;
  std::vector<uint64_t> words;  // code words of the layer at each candidate θ
};

struct TuneTarget {
  double min_accuracy = -1;                                         // accuracy floor (a fraction), or
  double max_words_per_weight = std::numeric_limits<double>::infinity();  // a budget
  bool budget() const { return max_words_per_weight < std::numeric_limits<double>::infinity(); }
};

struct TuneStep {
  std::vector<size_t> choice;  // candidate index per layer
  double accuracy = 0, words_per_weight = 0;
};

struct TuneResult {
  std::vector<size_t> choice;
  double accuracy = 0, words_per_weight = 0;
  bool met = false;
  size_t evaluations = 0;
  std::vector<TuneStep> path;     // every accepted step, from the start
  std::vector<TuneStep> uniform;  // the single-θ points, one per candidate
};

// Evaluates several configurations (candidate index per layer), returning their accuracies in
// order; it may evaluate them in parallel.
using TuneEvaluator = std::function<std::vector<double>(const std::vector<std::vector<size_t>>&)>;

double words_per_weight(const std::vector<TuneLayer>& layers, const std::vector<size_t>& choice);
TuneResult tune_thetas(const std::vector<TuneLayer>& layers, size_t candidates, const TuneTarget& target,
                       const TuneEvaluator& evaluate);

}  // namespace slq::tb
