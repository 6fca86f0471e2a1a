#include "tb/app/reports.h"

#include <cstdio>
#include <iomanip>
#include <sstream>

#include "models/io/npy.h"
#include "tb/app/cli.h"
#include "tb/app/run_state.h"

namespace slq::tb {

namespace {

struct Totals {
  PassStats stats;
  uint64_t macs = 0, weight_bits = 0, weights = 0, words = 0;
};

Totals totals_of(const EncodingRun& run) {
  Totals t;
  for (size_t l = 0; l < run.layers.size(); ++l) {
    t.stats += run.layer_stats[l];
    t.macs += run.layer_macs[l];
    t.weight_bits += run.layers[l].image.stream.bits;
    t.weights += run.layers[l].image.weight_count;
    t.words += run.layers[l].code_words;
  }
  return t;
}

double utilization_pct(const PassStats& s, int lanes) {
  return s.cycles ? 100.0 * double(s.lane_busy_cycles) / (double(lanes) * double(s.cycles)) : 0.0;
}

nlohmann::ordered_json cycles_or_null(bool with, double v) { return with ? nlohmann::ordered_json(v) : nullptr; }

// The cost model's parameters for one encoding: its network image sizes the weight memory.
CostParams cost_params(const RunReport& r, const EncodingRun& run) {
  CostParams p = with_memory_words(r.cost, run.memory_words());
  if (!run.layers.empty()) p.format = to_string(run.layers.front().image.params.format);
  return p;
}

Energy layer_energy(const RunReport& r, const EncodingRun& run, size_t l) {
  return energy_of(action_counts(run.layer_stats[l], r.lanes), *r.energy, cost_params(r, run));
}

Energy run_energy(const RunReport& r, const EncodingRun& run) {
  PassStats all;
  for (const PassStats& s : run.layer_stats) all += s;
  return energy_of(action_counts(all, r.lanes), *r.energy, cost_params(r, run));
}

nlohmann::ordered_json per_image(const Energy& e, double images) {
  nlohmann::ordered_json j;
  for (const auto& [c, pj] : e.by_component) j[c] = pj / images;
  return j;
}

nlohmann::ordered_json area_json(const std::map<std::string, double>& a, double* total) {
  nlohmann::ordered_json j;
  *total = 0;
  for (const auto& [c, um2] : a) {
    j[c] = um2;
    *total += um2;
  }
  return j;
}

}  // namespace

BinaryCost binary_baseline(const RunReport& r) {
  const EncodingRun& run = r.runs->front();
  std::vector<BinaryPasses> layers;
  for (size_t l = 0; l < run.layers.size(); ++l)
    layers.push_back({run.layer_passes[l], static_cast<uint64_t>(run.layers[l].rows),
                      static_cast<uint64_t>(run.layers[l].cols)});
  return binary_cost(layers, *r.energy, r.cost);
}

std::string summary_json(const RunReport& r) {
  const int lanes = r.lanes;
  nlohmann::ordered_json j;
  j["tool"] = "slqsim 0.1.0";
  j["complete"] = r.complete;
  if (!r.complete) j["stopped_because"] = r.stopped_because;
  j["images"] = r.images;
  j["images_requested"] = r.images_requested;
  if (partial_range(r)) j["image_range"] = {r.first_image, r.first_image + r.images_requested};
  j["float_accuracy_top1"] = r.float_accuracy;
  j["config"] = r.config;
  nlohmann::ordered_json cal;
  cal["images"] = r.calibration->images;
  cal["percentile"] = r.calibration->percentile;
  cal["input_scale"] = r.calibration->input_scale;
  j["calibration"] = cal;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  const EncodingRun& first = r.runs->front();
  for (size_t l = 0; l < first.layers.size(); ++l) {
    const QuantLayer& q = first.layers[l];
    const Op& op = r.net->ops[q.op_index];
    nlohmann::ordered_json L;
    L["name"] = q.name;
    L["onnx_name"] = op.name;
    L["op"] = op.onnx_op;
    L["weight_shape"] = op.weight_shape;
    L["output_shape"] = op.out_shape;
    L["weights"] = q.image.weight_count;
    if (op.group > 1) L["group"] = op.group;
    if (!op.folded.empty()) L["folded_batchnorm"] = op.folded;
    L["activation_scale"] = layer_output_scale(*r.net, *r.calibration, q.op_index);
    layers.push_back(L);
  }
  j["layers"] = layers;
  nlohmann::ordered_json encs = nlohmann::ordered_json::array();
  for (const EncodingRun& run : *r.runs) {
    const Totals t = totals_of(run);
    const double images = double(std::max<size_t>(r.images, 1));
    nlohmann::ordered_json e;
    e["name"] = run.name;
    e["accuracy_top1"] = double(run.correct) / images;
    size_t agree = 0;
    for (size_t i = 0; i < r.images && i < run.predictions.size(); ++i) agree += run.predictions[i] == r.float_predictions[i];
    e["agreement_with_float_top1"] = double(agree) / images;
    e["cycles_total"] = r.with_cycles ? nlohmann::ordered_json(t.stats.cycles) : nullptr;
    e["cycles_per_image"] = cycles_or_null(r.with_cycles, double(t.stats.cycles) / images);
    e["busy_cycles"] = t.stats.busy_cycles;
    e["stall_cycles"] = r.with_cycles ? nlohmann::ordered_json(t.stats.stall_cycles()) : nullptr;
    e["stall_cycles_by_cause"] = r.with_cycles ? nlohmann::ordered_json{{"decoder", t.stats.stall_decoder},
                                                                        {"memory", t.stats.stall_memory},
                                                                        {"fifo", t.stats.stall_fifo}}
                                               : nlohmann::ordered_json(nullptr);
    e["weight_bits_total"] = t.weight_bits;
    e["bits_per_weight"] = double(t.weight_bits) / double(t.weights);
    e["words_per_weight"] = double(t.words) / double(t.weights);
    e["macs"] = t.macs;
    e["lane_utilization_pct"] = cycles_or_null(r.with_cycles, utilization_pct(t.stats, lanes));
    e["saturations"] = t.stats.saturations;
    e["sim_wall_seconds"] = r.reproducible ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(run.sim_wall_seconds);
    if (r.energy) {
      const Energy energy = run_energy(r, run);
      e["energy_pj_per_image"] = energy.total() / images;
      e["energy_pj_per_image_by_component"] = per_image(energy, images);
      double area = 0;
      e["area_um2_by_block"] = area_json(area_of(*r.energy, cost_params(r, run)), &area);
      e["area_um2"] = area;
      e["energy_delay_product_pj_ns"] =
          cycles_or_null(r.with_cycles, energy.total() / images * double(t.stats.cycles) / images * r.clock_period_ns);
    }
    encs.push_back(e);
  }
  j["encodings"] = encs;
  if (r.energy) {
    // The same passes on a conventional 8-bit binary MAC array, from the same table.
    const BinaryCost b = binary_baseline(r);
    const double images = double(std::max<size_t>(r.images, 1));
    nlohmann::ordered_json x;
    x["name"] = "binary8";
    x["cycles_per_image"] = double(b.cycles) / images;
    x["bits_per_weight"] = 8;
    x["energy_pj_per_image"] = b.energy.total() / images;
    x["energy_pj_per_image_by_component"] = per_image(b.energy, images);
    double area = 0;
    x["area_um2_by_block"] = area_json(binary_area_of(*r.energy, b.params), &area);
    x["area_um2"] = area;
    x["energy_delay_product_pj_ns"] = b.energy.total() / images * double(b.cycles) / images * r.clock_period_ns;
    j["binary_baseline"] = x;
  }
  return j.dump(2) + "\n";
}

std::string layers_csv(const RunReport& r) {
  const int lanes = r.lanes;
  std::ostringstream os;
  os << std::setprecision(10);
  os << "encoding,layer_index,layer,op,weight_count,weight_bits,bits_per_weight,words_per_weight,sqnr_db,macs,"
        "cycles,busy_cycles,stall_cycles,stall_decoder_cycles,stall_memory_cycles,stall_fifo_cycles,"
        "lane_utilization_pct,saturation_count,term_count,marker_count,zero_code_count,dropped_term_count,"
        "memory_read_count,encoder_word_count,encoder_cycles,energy_pj\n";
  for (const EncodingRun& run : *r.runs)
    for (size_t l = 0; l < run.layers.size(); ++l) {
      const QuantLayer& q = run.layers[l];
      const PassStats& s = run.layer_stats[l];
      auto cyc = [&](uint64_t v) { return r.with_cycles ? std::to_string(v) : std::string(); };
      os << run.name << ',' << l << ',' << q.name << ',' << r.net->ops[q.op_index].onnx_op << ','
         << q.image.weight_count << ',' << q.image.stream.bits << ',' << q.bits_per_weight() << ','
         << q.words_per_weight() << ',' << q.sqnr_db << ',' << run.layer_macs[l] << ',' << cyc(s.cycles) << ','
         << s.busy_cycles << ',' << cyc(s.stall_cycles()) << ',' << cyc(s.stall_decoder) << ','
         << cyc(s.stall_memory) << ',' << cyc(s.stall_fifo) << ',';
      if (r.with_cycles) os << utilization_pct(s, lanes);
      os << ',' << s.saturations << ',' << s.terms << ',' << (r.with_cycles ? std::to_string(s.markers) : "") << ','
         << (r.with_cycles ? std::to_string(s.zero_codes) : "") << ','
         << (r.with_cycles ? std::to_string(s.dropped_terms) : "") << ','
         << (r.with_cycles ? std::to_string(s.memory_reads) : "") << ',';
      // The SLQ encoder that made the layer's image (empty where no encoder did: linear).
      if (!q.fixed_weights.empty()) os << q.encoder.words << ',' << q.encoder.cycles;
      else os << ',';
      os << ',';
      if (r.energy) os << layer_energy(r, run, l).total();
      os << '\n';
    }
  return os.str();
}

void print_table(const RunReport& r, std::ostream& os) {
  char line[256];
  std::snprintf(line, sizeof line, "%-9s %9s %14s %8s %12s %13s %12s %9s\n", "encoding", "top-1", "cycles/image",
                "stall%", "bits/weight", "words/weight", "uJ/image", "wall_s");
  os << line;
  for (const EncodingRun& run : *r.runs) {
    const Totals t = totals_of(run);
    const double images = double(std::max<size_t>(r.images, 1));
    const std::string cycles = r.with_cycles ? std::to_string(static_cast<uint64_t>(double(t.stats.cycles) / images + 0.5)) : "-";
    char stall[32] = "-";
    if (r.with_cycles && t.stats.cycles)
      std::snprintf(stall, sizeof stall, "%.2f", 100.0 * double(t.stats.stall_cycles()) / double(t.stats.cycles));
    char energy[32] = "-";
    if (r.energy) std::snprintf(energy, sizeof energy, "%.4f", run_energy(r, run).total() / images * 1e-6);
    std::snprintf(line, sizeof line, "%-9s %8.2f%% %14s %8s %12.3f %13.3f %12s %9.1f\n", run.name.c_str(),
                  100.0 * double(run.correct) / images, cycles.c_str(), stall, double(t.weight_bits) / double(t.weights),
                  double(t.words) / double(t.weights), energy, run.sim_wall_seconds);
    os << line;
  }
  if (r.energy) {  // estimated, not simulated: no accuracy
    const BinaryCost b = binary_baseline(r);
    const double images = double(std::max<size_t>(r.images, 1));
    std::snprintf(line, sizeof line, "%-9s %9s %14.0f %8s %12.3f %13s %12.4f %9s\n", "binary8", "-",
                  double(b.cycles) / images, "-", 8.0, "-", b.energy.total() / images * 1e-6, "-");
    os << line;
  }
  std::snprintf(line, sizeof line, "%-9s %8.2f%%   (%zu images%s)\n", "float", 100.0 * r.float_accuracy, r.images,
                r.complete ? "" : ", INCOMPLETE");
  os << line;
}

std::string stats_text(const RunReport& r) {
  std::ostringstream os;
  for (const EncodingRun& run : *r.runs)
    for (size_t l = 0; l < run.layers.size(); ++l) {
      const QuantLayer& q = run.layers[l];
      const std::string title = run.name + " " + q.name;
      run.layer_stats[l].print(os, title.c_str());
      if (r.energy) {  // the blocks' actions (models/cost/energy.h) and their energy
        const ActionCounts a = action_counts(run.layer_stats[l], r.lanes);
        const Energy e = layer_energy(r, run, l);
        os << "=== " << title << " ACTIONS ===\n";
        for (const auto& [action, component] : action_components())
          os << "  " << std::left << std::setw(26) << action << a[action] << "\n";
        for (const std::string& c : components())
          os << "  " << std::left << std::setw(26) << ("energy_pj." + c) << e.by_component.at(c) << "\n";
      }
      if (q.fixed_weights.empty()) continue;
      // The SLQ encoder and stream packer that made the layer's image (models::encoder_cost).
      auto row = [&](const char* name, uint64_t v) { os << "  " << std::left << std::setw(26) << name << v << "\n"; };
      os << "=== " << title << " ENCODER ===\n";
      row("encoder.weights", q.fixed_weights.size());
      row("encoder.code_words", q.encoder.words);
      row("packer.marker_fields", q.encoder.markers);
      row("encoder.cycles", q.encoder.cycles);
    }
  return os.str();
}

bool partial_range(const RunReport& r) {
  const uint64_t whole = r.config.contains("images") ? r.config["images"].get<uint64_t>() : r.images_requested;
  return r.first_image != 0 || r.images_requested != whole;
}

void write_reports(const RunReport& r, const std::string& dir) {
  write_file_atomic(dir + "/summary.json", summary_json(r));
  write_file_atomic(dir + "/layers.csv", layers_csv(r));
  write_file_atomic(dir + "/stats.txt", stats_text(r));
  RunState state = RunState::of(*r.runs);
  state.first_image = r.first_image;
  state.images_requested = r.images_requested;
  state.images = r.images;
  state.complete = r.complete;
  state.stopped_because = r.stopped_because;
  state.energy_table_digest = r.energy ? r.energy->digest : "";
  state.float_predictions.assign(r.float_predictions.begin(), r.float_predictions.begin() + long(r.images));
  for (EncodingState& e : state.encodings) {
    e.predictions.resize(r.images);
    if (r.reproducible) e.sim_wall_seconds = 0;  // byte-identical, as summary.json's null
  }
  write_file_atomic(dir + "/state.json", state.to_json());
  if (!r.options_yaml.empty()) write_file_atomic(dir + "/options.yaml", r.options_yaml);
}

void write_dumps(const RunReport& r, const std::vector<std::vector<int64_t>>& layer_shapes, const std::string& dir) {
  for (const EncodingRun& run : *r.runs)
    for (size_t l = 0; l < run.layers.size(); ++l) {
      std::vector<int64_t> shape{static_cast<int64_t>(r.images)};
      shape.insert(shape.end(), layer_shapes[l].begin(), layer_shapes[l].end());
      int64_t per_image = 1;
      for (int64_t d : layer_shapes[l]) per_image *= d;
      std::vector<int32_t> data(run.dumps[l].begin(), run.dumps[l].begin() + static_cast<int64_t>(r.images) * per_image);
      write_file_atomic(dir + "/" + run.name + "_" + run.layers[l].name + ".npy", npy_int32_bytes(shape, data));
    }
}

}  // namespace slq::tb
