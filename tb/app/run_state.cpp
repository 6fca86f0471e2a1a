#include "tb/app/run_state.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "models/errors.h"

namespace slq::tb {

namespace {

constexpr const char* kFormat = "slqsim run state 1";

// PassStats' counters by name, in one place for both directions.
const std::vector<std::pair<const char*, uint64_t PassStats::*>>& stat_fields() {
  static const std::vector<std::pair<const char*, uint64_t PassStats::*>> fields = {
      {"cycles", &PassStats::cycles},
      {"busy_cycles", &PassStats::busy_cycles},
      {"stall_decoder", &PassStats::stall_decoder},
      {"stall_memory", &PassStats::stall_memory},
      {"stall_fifo", &PassStats::stall_fifo},
      {"fields", &PassStats::fields},
      {"terms", &PassStats::terms},
      {"markers", &PassStats::markers},
      {"zero_codes", &PassStats::zero_codes},
      {"dropped_terms", &PassStats::dropped_terms},
      {"memory_reads", &PassStats::memory_reads},
      {"decoder_fifo_full_cycles", &PassStats::decoder_fifo_full_cycles},
      {"saturations", &PassStats::saturations},
      {"lane_busy_cycles", &PassStats::lane_busy_cycles},
      {"row_handoffs", &PassStats::row_handoffs},
  };
  return fields;
}

}  // namespace

RunState RunState::of(const std::vector<EncodingRun>& runs) {
  RunState s;
  for (const EncodingRun& r : runs) {
    EncodingState e;
    e.name = r.name;
    e.layer_stats = r.layer_stats;
    e.layer_macs = r.layer_macs;
    e.layer_passes = r.layer_passes;
    e.predictions = r.predictions;
    e.correct = r.correct;
    e.sim_wall_seconds = r.sim_wall_seconds;
    s.encodings.push_back(std::move(e));
  }
  return s;
}

void RunState::add_to(std::vector<EncodingRun>& runs) const {
  if (runs.size() != encodings.size()) throw std::logic_error("RunState::add_to: encodings differ");
  for (size_t k = 0; k < runs.size(); ++k) {
    EncodingRun& r = runs[k];
    const EncodingState& e = encodings[k];
    const size_t layers = r.layers.size();
    if (e.name != r.name || e.layer_stats.size() != layers) throw std::logic_error("RunState::add_to: layers differ");
    r.layer_stats.resize(layers);
    r.layer_macs.resize(layers);
    r.layer_passes.resize(layers);
    for (size_t l = 0; l < layers; ++l) {
      r.layer_stats[l] += e.layer_stats[l];
      r.layer_macs[l] += e.layer_macs[l];
      r.layer_passes[l] += e.layer_passes[l];
    }
    r.predictions.insert(r.predictions.end(), e.predictions.begin(), e.predictions.end());
    r.correct += e.correct;
    r.sim_wall_seconds += e.sim_wall_seconds;
  }
}

std::string RunState::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["first_image"] = first_image;
  j["images_requested"] = images_requested;
  j["images"] = images;
  j["complete"] = complete;
  j["stopped_because"] = stopped_because;
  j["energy_table_digest"] = energy_table_digest;
  j["float_predictions"] = float_predictions;
  nlohmann::ordered_json encs = nlohmann::ordered_json::array();
  for (const EncodingState& e : encodings) {
    nlohmann::ordered_json je;
    je["name"] = e.name;
    je["correct"] = e.correct;
    je["sim_wall_seconds"] = e.sim_wall_seconds;
    je["predictions"] = e.predictions;
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (size_t l = 0; l < e.layer_stats.size(); ++l) {
      nlohmann::ordered_json jl;
      jl["macs"] = e.layer_macs.at(l);
      jl["passes"] = e.layer_passes.at(l);
      for (const auto& [name, member] : stat_fields()) jl[name] = e.layer_stats[l].*member;
      layers.push_back(jl);
    }
    je["layers"] = layers;
    encs.push_back(je);
  }
  j["encodings"] = encs;
  return j.dump(1) + "\n";
}

RunState RunState::from_json(const std::string& text, const std::string& file) {
  RunState s;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format", "") != kFormat)
      throw InputError(file, "", std::string("not a run state (expected \"format\": \"") + kFormat + "\")");
    s.first_image = j.at("first_image").get<uint64_t>();
    s.images_requested = j.at("images_requested").get<uint64_t>();
    s.images = j.at("images").get<uint64_t>();
    s.complete = j.at("complete").get<bool>();
    s.stopped_because = j.at("stopped_because").get<std::string>();
    s.energy_table_digest = j.at("energy_table_digest").get<std::string>();
    s.float_predictions = j.at("float_predictions").get<std::vector<int>>();
    for (const auto& je : j.at("encodings")) {
      EncodingState e;
      e.name = je.at("name").get<std::string>();
      e.correct = je.at("correct").get<uint64_t>();
      e.sim_wall_seconds = je.at("sim_wall_seconds").get<double>();
      e.predictions = je.at("predictions").get<std::vector<int>>();
      for (const auto& jl : je.at("layers")) {
        e.layer_macs.push_back(jl.at("macs").get<uint64_t>());
        e.layer_passes.push_back(jl.at("passes").get<uint64_t>());
        PassStats st;
        for (const auto& [name, member] : stat_fields()) st.*member = jl.at(name).get<uint64_t>();
        e.layer_stats.push_back(st);
      }
      if (e.predictions.size() != s.images || e.correct > s.images)
        throw InputError(file, "encoding '" + e.name + "'", "predictions do not match the images finished");
      s.encodings.push_back(std::move(e));
    }
    if (s.float_predictions.size() != s.images || s.images > s.images_requested)
      throw InputError(file, "", "image counts do not agree");
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();  // "[json.exception.type_error.302] ...": keep the reason only
    if (const size_t close = what.find("] "); close != std::string::npos) what = what.substr(close + 2);
    throw InputError(file, "", "bad run state: " + what);
  }
  return s;
}

}  // namespace slq::tb
