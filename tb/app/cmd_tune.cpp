// slqsim tune: θ per layer for an accuracy floor or a words-per-weight budget, measured on a
// validation split of the training images (never the test set); writes a config file that
// `run` and `sweep` read (tb/app/tuner.h, docs/tuning.md).
#include <cmath>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "models/errors.h"
#include "models/interrupt.h"
#include "models/io/idx.h"
#include "models/nn/executor.h"
#include "models/nn/float_infer.h"
#include "tb/app/cli.h"
#include "tb/app/commands.h"
#include "tb/app/run_setup.h"
#include "tb/app/tuner.h"
#include "tb/app/energy_table.h"

namespace slq {
namespace {

struct TuneFlags {
  tb::Options sim;
  std::string format = "tag", against = "float", out, report_dir = "out/tune";
  std::string thetas = "0,0.00390625,0.0078125,0.015625,0.03125,0.0625,0.125";
  double max_drop = std::nan(""), max_words = std::nan("");
  uint64_t validation_images = 5000;
  int jobs = 0;
};

std::vector<double> parse_thetas(const std::string& text) {
  std::vector<double> v;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    size_t used = 0;
    double t = -1;
    try {
      t = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || !(t >= 0 && t < 1))
      throw InputError("--thetas", "", "'" + item + "' is not a θ in [0, 1)");
    if (!v.empty() && t <= v.back()) throw InputError("--thetas", "", "the candidates must ascend");
    v.push_back(t);
    start = comma + 1;
  }
  return v;
}

// Images [first, first + count) of `data` as a data set of their own.
Dataset slice(const Dataset& data, size_t first, size_t count) {
  Dataset d;
  d.path = data.path;
  d.rows = data.rows;
  d.cols = data.cols;
  const size_t pixels = size_t(data.rows) * data.cols;
  d.pixels.assign(data.pixels.begin() + long(first * pixels), data.pixels.begin() + long((first + count) * pixels));
  d.labels.assign(data.labels.begin() + long(first), data.labels.begin() + long(first + count));
  return d;
}

// Top-1 of the quantized network (the golden model) on every image of `data`.
double quantized_accuracy(const Network& net, const Calibration& cal, const tb::Options& o, std::vector<QuantLayer> layers,
                          const std::string& name, const Dataset& data) {
  std::vector<EncodingRun> runs(1);
  runs[0].name = name;
  runs[0].layers = std::move(layers);
  NetworkRunner runner(net, cal, o.array(), runs, false);
  GoldenExecutor exec(o.array(), o.fields_per_cycle, o.fifo_depth);
  const size_t P = size_t(o.lanes);
  for (size_t first = 0; first < data.size(); first += P) {
    throw_if_interrupted();
    runner.run_batch(data, first, std::min(P, data.size() - first), exec);
  }
  return double(runs[0].correct) / double(data.size());
}

void tune_command(TuneFlags& f) {
  tb::Options& o = f.sim;
  const Format format = parse_format(f.format);
  if (format != Format::tag && format != Format::special)
    throw InputError("--format", "", "θ matters only to tag and special (SLQ); got " + f.format);
  if (std::isnan(f.max_drop) == std::isnan(f.max_words))
    throw InputError("--max-accuracy-drop", "", "give either --max-accuracy-drop or --max-words-per-weight");
  o.encodings = f.format;
  const std::vector<double> thetas = parse_thetas(f.thetas);
  tb::RunSetup setup(o);
  const Network& net = setup.net;
  const Calibration& cal = setup.calibration;
  const tb::Options& opt = setup.options;

  // The validation split: the last training images, after the calibration images.
  const Dataset train = load_fashion_mnist(opt.data_dir, true);
  const size_t calibration = size_t(opt.calibration_images);
  if (f.validation_images + calibration > train.size())
    throw InputError("--validation-images", "", std::to_string(f.validation_images) + " plus " +
                                                    std::to_string(calibration) + " calibration images exceed the " +
                                                    std::to_string(train.size()) + " training images");
  const size_t first = train.size() - f.validation_images;
  const Dataset validation = slice(train, first, f.validation_images);
  check_dataset(net, validation);

  // Every layer quantized at every candidate θ, once.
  std::vector<tb::TuneLayer> layers;
  std::vector<std::vector<QuantLayer>> quantized;
  for (size_t op : compute_ops(net)) {
    tb::TuneLayer t;
    t.name = sanitize_name(net.ops[op].name);
    std::vector<QuantLayer> at;
    for (double theta : thetas) {
      QuantOptions q = opt.quant(format);
      q.code = opt.code(format, t.name);
      q.code.theta = theta;
      at.push_back(quantize_layer(net, op, q));
      t.words.push_back(at.back().code_words);
      t.weights = at.back().image.weight_count;
    }
    layers.push_back(t);
    quantized.push_back(std::move(at));
  }

  const size_t pixels = size_t(validation.rows) * validation.cols;
  double reference = 0;
  if (f.against == "float") {
    size_t correct = 0;
    for (size_t i = 0; i < validation.size(); ++i)
      correct += argmax(forward_float(net, image_to_input(validation.image(i), pixels))) == validation.labels[i];
    reference = double(correct) / double(validation.size());
  } else {
    QuantOptions q = opt.quant(Format::linear);
    std::vector<QuantLayer> lin;
    for (size_t op : compute_ops(net)) {
      q.code = opt.code(Format::linear, sanitize_name(net.ops[op].name));
      lin.push_back(quantize_layer(net, op, q));
    }
    reference = quantized_accuracy(net, cal, opt, lin, "linear", validation);
  }
  tb::TuneTarget target;
  if (!std::isnan(f.max_drop)) target.min_accuracy = reference - f.max_drop / 100.0;
  else target.max_words_per_weight = f.max_words;
  spdlog::info("tuning θ of {} layers over {} candidates on training images {}..{} ({} accuracy there: {:.2f} %)",
               layers.size(), thetas.size(), first, train.size() - 1, f.against, 100 * reference);

  const int jobs = f.jobs > 0 ? f.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
  auto evaluate = [&](const std::vector<std::vector<size_t>>& configs) {
    std::vector<double> acc(configs.size());
    std::vector<std::exception_ptr> errors(configs.size());
    auto work = [&](size_t k) {
      try {
        std::vector<QuantLayer> chosen;
        for (size_t l = 0; l < layers.size(); ++l) chosen.push_back(quantized[l][configs[k][l]]);
        acc[k] = quantized_accuracy(net, cal, opt, std::move(chosen), f.format, validation);
      } catch (...) {
        errors[k] = std::current_exception();
      }
    };
    for (size_t k = 0; k < configs.size(); k += size_t(jobs)) {
      std::vector<std::thread> threads;
      for (size_t j = k; j < std::min(configs.size(), k + size_t(jobs)); ++j) threads.emplace_back(work, j);
      for (std::thread& t : threads) t.join();
    }
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
    return acc;
  };
  size_t logged = 0;
  auto logging_evaluate = [&](const std::vector<std::vector<size_t>>& configs) {
    std::vector<double> acc = evaluate(configs);
    logged += configs.size();
    spdlog::info("evaluated {} configurations", logged);
    return acc;
  };
  const tb::TuneResult r = tb::tune_thetas(layers, thetas.size(), target, logging_evaluate);

  // The config file: the options with θ per layer.
  tb::Options tuned = opt;
  if (tuned.energy_table == tb::default_energy_table()) tuned.energy_table.clear();
  tuned.layer_theta.clear();
  for (size_t l = 0; l < layers.size(); ++l) tuned.layer_theta[layers[l].name] = thetas[r.choice[l]];
  const std::string goal = target.budget() ? fmt::format("at most {} words per weight", f.max_words)
                                           : fmt::format("accuracy drop at most {} pp against {}", f.max_drop, f.against);
  std::string header = fmt::format(
      "# slqsim tune: θ per layer for {} ({}), {}.\n"
      "# Measured on training images {}..{}: accuracy {:.4f} ({} {:.4f}), {:.4f} words per weight; target {}.\n",
      f.format, opt.model, goal, first, train.size() - 1, r.accuracy, f.against, reference, r.words_per_weight,
      r.met ? "met" : "NOT met (the best found)");
  write_file_atomic(f.out, header + tuned.to_yaml());

  nlohmann::ordered_json j;
  j["model"] = opt.model;
  j["format"] = f.format;
  j["validation_images"] = {first, train.size()};
  j["against"] = f.against;
  j["reference_accuracy"] = reference;
  if (target.budget()) j["max_words_per_weight"] = f.max_words;
  else j["max_accuracy_drop_pp"] = f.max_drop;
  j["met"] = r.met;
  j["accuracy"] = r.accuracy;
  j["words_per_weight"] = r.words_per_weight;
  j["evaluations"] = r.evaluations;
  j["thetas"] = thetas;
  nlohmann::ordered_json per_layer = nlohmann::ordered_json::array();
  for (size_t l = 0; l < layers.size(); ++l) {
    nlohmann::ordered_json x;
    x["layer"] = layers[l].name;
    x["weights"] = layers[l].weights;
    x["theta"] = thetas[r.choice[l]];
    x["words_per_weight"] = double(layers[l].words[r.choice[l]]) / double(layers[l].weights);
    x["words_per_weight_by_theta"] = nlohmann::ordered_json::array();
    for (uint64_t w : layers[l].words) x["words_per_weight_by_theta"].push_back(double(w) / double(layers[l].weights));
    per_layer.push_back(x);
  }
  j["layers"] = per_layer;
  nlohmann::ordered_json path = nlohmann::ordered_json::array();
  for (const tb::TuneStep& s : r.path) {
    nlohmann::ordered_json x;
    std::vector<double> t;
    for (size_t c : s.choice) t.push_back(thetas[c]);
    x["thetas"] = t;
    x["accuracy"] = s.accuracy;
    x["words_per_weight"] = s.words_per_weight;
    path.push_back(x);
  }
  j["path"] = path;
  nlohmann::ordered_json single = nlohmann::ordered_json::array();
  for (size_t k = 0; k < r.uniform.size(); ++k)
    single.push_back({{"theta", thetas[k]}, {"accuracy", r.uniform[k].accuracy},
                      {"words_per_weight", r.uniform[k].words_per_weight}});
  j["single_theta"] = single;
  write_file_atomic(f.report_dir + "/tune.json", j.dump(2) + "\n");

  std::cout << fmt::format("{:<16} {:>9} {:>12} {:>13}\n", "layer", "weights", "theta", "words/weight");
  for (size_t l = 0; l < layers.size(); ++l)
    std::cout << fmt::format("{:<16} {:>9} {:>12} {:>13.3f}\n", layers[l].name, layers[l].weights, thetas[r.choice[l]],
                             double(layers[l].words[r.choice[l]]) / double(layers[l].weights));
  std::cout << fmt::format("{:<16} {:>9} {:>12} {:>13.3f}\n", "network", "", "", r.words_per_weight);
  std::cout << fmt::format("validation accuracy {:.2f} % ({} {:.2f} %), {} configurations evaluated; target {}: {}\n",
                           100 * r.accuracy, f.against, 100 * reference, r.evaluations, goal, r.met ? "met" : "NOT met");
  spdlog::info("wrote {} and {}/tune.json", f.out, f.report_dir);
  if (!r.met) {
    spdlog::error("the target cannot be met with these candidates; {} holds the best found", f.out);
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void register_tune(CLI::App& app) {
  auto flags = std::make_shared<TuneFlags>();
  CLI::App* sub = app.add_subcommand("tune", "Choose θ per layer on training images for an accuracy or size target");
  add_config_option(*sub);
  tb::add_options(sub, flags->sim, tb::kRunOptions);
  sub->get_option("--model")->required();
  sub->add_option("--format", flags->format, "The SLQ encoding to tune: tag or special")
      ->check(CLI::IsMember({"tag", "special"}))
      ->capture_default_str();
  sub->add_option("--max-accuracy-drop", flags->max_drop,
                  "Target: accuracy at most this many percentage points below the reference; least words")
      ->check(CLI::Range(0.0, 100.0));
  sub->add_option("--against", flags->against, "The reference of --max-accuracy-drop: float or linear")
      ->check(CLI::IsMember({"float", "linear"}))
      ->capture_default_str();
  sub->add_option("--max-words-per-weight", flags->max_words, "Target: at most this many words per weight; best accuracy")
      ->check(CLI::Range(0.0, 64.0));
  sub->add_option("--validation-images", flags->validation_images,
                  "The last N training images (disjoint from the calibration images)")
      ->check(CLI::Range(uint64_t(1), uint64_t(59999)))
      ->capture_default_str();
  sub->add_option("--thetas", flags->thetas, "Candidate θ values, ascending, comma-separated")->capture_default_str();
  sub->add_option("--out", flags->out, "The tuned config file (YAML) for run --config and sweep")
      ->required()
      ->check(output_file());
  sub->add_option("--report-dir", flags->report_dir, "Where tune.json goes")->check(output_dir())->capture_default_str();
  sub->add_option("--jobs,-j", flags->jobs, "Threads evaluating configurations (default: every core)")
      ->check(CLI::Range(1, 1024));
  sub->callback([flags] { tune_command(*flags); });
}

}  // namespace slq
