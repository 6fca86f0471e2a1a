#include "tb/app/tuner.h"

#include <map>
#include <stdexcept>

namespace slq::tb {

double words_per_weight(const std::vector<TuneLayer>& layers, const std::vector<size_t>& choice) {
  uint64_t words = 0, weights = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    words += layers[l].words.at(choice[l]);
    weights += layers[l].weights;
  }
  return weights ? double(words) / double(weights) : 0.0;
}

TuneResult tune_thetas(const std::vector<TuneLayer>& layers, size_t candidates, const TuneTarget& target,
                       const TuneEvaluator& evaluate) {
  if (layers.empty() || candidates == 0) throw std::invalid_argument("tune_thetas: nothing to tune");
  std::map<std::vector<size_t>, double> known;  // configurations evaluated so far
  auto accuracies = [&](const std::vector<std::vector<size_t>>& configs) {
    std::vector<std::vector<size_t>> fresh;
    for (const auto& c : configs)
      if (!known.count(c)) fresh.push_back(c);
    if (!fresh.empty()) {
      const std::vector<double> a = evaluate(fresh);
      for (size_t k = 0; k < fresh.size(); ++k) known[fresh[k]] = a.at(k);
    }
    std::vector<double> out;
    for (const auto& c : configs) out.push_back(known.at(c));
    return out;
  };
  // The next candidate up the ladder that changes the layer's words (steps that change nothing
  // are skipped), or `candidates` when there is none.
  auto next_step = [&](size_t l, size_t at) {
    for (size_t k = at + 1; k < candidates; ++k)
      if (layers[l].words[k] != layers[l].words[at]) return k;
    return candidates;
  };

  // One greedy descent from `start`.
  auto greedy = [&](std::vector<size_t> choice) {
    TuneResult g;
    double accuracy = accuracies({choice}).front();
    g.path.push_back({choice, accuracy, words_per_weight(layers, choice)});
    while (!(target.budget() && words_per_weight(layers, choice) <= target.max_words_per_weight)) {
      std::vector<std::vector<size_t>> moves;
      for (size_t l = 0; l < layers.size(); ++l) {
        const size_t k = next_step(l, choice[l]);
        if (k == candidates) continue;
        std::vector<size_t> m = choice;
        m[l] = k;
        moves.push_back(m);
      }
      if (moves.empty()) break;
      const std::vector<double> acc = accuracies(moves);
      const double words_now = words_per_weight(layers, choice);
      // Score: words saved per accuracy point lost (a move that loses nothing beats any that does).
      size_t best = moves.size();
      double best_score = 0, best_saved = 0;
      for (size_t k = 0; k < moves.size(); ++k) {
        if (!target.budget() && acc[k] < target.min_accuracy) continue;
        const double saved = words_now - words_per_weight(layers, moves[k]);
        const double lost = accuracy - acc[k];
        const double score = lost <= 0 ? std::numeric_limits<double>::infinity() : saved / lost;
        if (best == moves.size() || score > best_score || (score == best_score && saved > best_saved)) {
          best = k;
          best_score = score;
          best_saved = saved;
        }
      }
      if (best == moves.size()) break;  // no move keeps the floor
      choice = moves[best];
      accuracy = acc[best];
      g.path.push_back({choice, accuracy, words_per_weight(layers, choice)});
    }
    g.choice = choice;
    g.accuracy = accuracy;
    g.words_per_weight = words_per_weight(layers, choice);
    g.met = target.budget() ? g.words_per_weight <= target.max_words_per_weight : g.accuracy >= target.min_accuracy;
    return g;
  };
  // Better: meets the target, then fewer words (floor) or more accuracy (budget).
  auto better = [&](const TuneResult& a, const TuneResult& b) {
    if (a.met != b.met) return a.met;
    if (!a.met) return a.accuracy > b.accuracy;
    if (target.budget()) return a.accuracy > b.accuracy || (a.accuracy == b.accuracy && a.words_per_weight < b.words_per_weight);
    return a.words_per_weight < b.words_per_weight || (a.words_per_weight == b.words_per_weight && a.accuracy > b.accuracy);
  };

  // Every layer at the same θ, for every candidate: the single-θ points the tuner must beat.
  std::vector<std::vector<size_t>> uniform;
  for (size_t k = 0; k < candidates; ++k) uniform.push_back(std::vector<size_t>(layers.size(), k));
  const std::vector<double> uniform_accuracy = accuracies(uniform);
  // Two starts: the best single-θ point for the target, and every layer at the smallest θ.
  size_t best_uniform = 0;
  auto as_result = [&](size_t k) {
    TuneResult u;
    u.choice = uniform[k];
    u.accuracy = uniform_accuracy[k];
    u.words_per_weight = words_per_weight(layers, u.choice);
    u.met = target.budget() ? u.words_per_weight <= target.max_words_per_weight : u.accuracy >= target.min_accuracy;
    return u;
  };
  for (size_t k = 1; k < candidates; ++k)
    if (better(as_result(k), as_result(best_uniform))) best_uniform = k;
  TuneResult r = greedy(uniform[best_uniform]);
  if (best_uniform != 0) {
    TuneResult from_finest = greedy(uniform[0]);
    if (better(from_finest, r)) r = std::move(from_finest);
  }
  for (size_t k = 0; k < candidates; ++k)
    r.uniform.push_back({uniform[k], uniform_accuracy[k], words_per_weight(layers, uniform[k])});
  r.evaluations = known.size();
  return r;
}

}  // namespace slq::tb
