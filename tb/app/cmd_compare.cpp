// slqsim compare: one accelerator per encoding on the same layer and activations, clocked
// together in one simulation. Writes a VCD with a scope per encoding (and a .gtkw save file), a
// per-cycle timeline, and a summary of where and why the encodings part ways (docs/waveforms.md).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "models/errors.h"
#include "models/io/idx.h"
#include "models/io/onnx_model.h"
#include "tb/app/cli.h"
#include "tb/app/commands.h"
#include "tb/wave/gtkw.h"
#include "tb/app/energy_table.h"
#include "tb/app/options.h"
#include "tb/wave/timeline.h"

namespace slq {
namespace {

struct CompareFlags {
  tb::Options sim;
  std::string layer, synthetic, weight_dist = "laplace";
  size_t image = 0;
  int tile = -1;  // -1: the tile holding the centre output position
  int lane = 0;
  size_t top = 5;
  const EnergyTable* energy = nullptr;  // read once the options are known
  std::string window, vcd, timeline, json;
  bool fst = false;
};

// The passes to compare: each encoding's own quantized layer and activations.
struct ComparePasses {
  std::string title;
  std::vector<EncodingRun> runs;  // owns the layers the requests point to
  std::vector<PassRequest> requests;
};

// Runs every pass on the golden model and keeps the one pass the comparison wants.
class PassCapture : public PassExecutor {
 public:
  PassCapture(const ArrayParams& array, std::string layer, int64_t position)
      : golden_(array), layer_(std::move(layer)), position_(position) {}
  void execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) override {
    golden_.execute(requests, outs);
    if (requests.front().layer->name == layer_ && requests.front().first_position == position_) captured = requests;
  }
  std::vector<PassRequest> captured;

 private:
  GoldenExecutor golden_;
  std::string layer_;
  int64_t position_;
};

void quantize_all(const Network& net, const tb::Options& o, ComparePasses& out) {
  out.runs = o.encoding_runs(net);
}

// The layer's input activations for image I, per encoding, exactly as `run` feeds them: the
// network up to the layer on the golden model, with the same calibration.
void model_passes(const CompareFlags& f, ComparePasses& out) {
  const tb::Options& o = f.sim;
  const Network net = load_onnx(o.model);
  check_mappable(net);
  size_t op_index = net.ops.size();
  std::string valid;
  for (size_t i : compute_ops(net)) {
    const std::string name = sanitize_name(net.ops[i].name);
    if (f.layer == name || f.layer == net.ops[i].name) op_index = i;
    valid += (valid.empty() ? "" : ", ") + name + " (" + net.ops[i].name + ")";
  }
  if (op_index == net.ops.size()) throw InputError("--layer", "", "unknown layer '" + f.layer + "'; valid: " + valid);
  const Op& op = net.ops[op_index];
  const std::string name = sanitize_name(op.name);
  const int P = o.lanes;
  int64_t position = -1;
  size_t images = 1;
  std::string lanes_are;
  if (op.kind == OpKind::conv) {
    const int64_t positions = op.out_shape[1] * op.out_shape[2];
    const int64_t tiles = (positions + P - 1) / P;
    const int64_t tile = f.tile >= 0 ? f.tile : positions / 2 / P;
    if (tile >= tiles)
      throw InputError("--tile", "", "tile " + std::to_string(tile) + " out of range: " + name + " has " +
                                         std::to_string(positions) + " output positions, tiles 0.." +
                                         std::to_string(tiles - 1) + " of " + std::to_string(P));
    position = tile * P;
    lanes_are = "tile " + std::to_string(tile) + " (output positions " + std::to_string(position) + ".." +
                std::to_string(std::min(positions, position + P) - 1) + ")";
  } else {
    if (f.tile >= 0) throw InputError("--tile", "", name + " is a dense layer: its lanes are the images --image .. --image+P-1");
    images = static_cast<size_t>(P);
  }
  const Dataset test = load_fashion_mnist(o.data_dir, false, f.image + images);
  check_dataset(net, test);
  if (test.size() <= f.image)
    throw InputError("--image", "", "image " + std::to_string(f.image) + " out of range: the test set has " +
                                        std::to_string(test.size()) + " images");
  images = std::min(images, test.size() - f.image);
  if (op.kind != OpKind::conv)
    lanes_are = "images " + std::to_string(f.image) + ".." + std::to_string(f.image + images - 1);
  const Dataset train = load_fashion_mnist(o.data_dir, true, static_cast<size_t>(o.calibration_images));
  check_training_set(net, train);
  const Calibration cal = calibrate(net, train, train.size(), o.stream_bits, o.calibration_percentile);
  quantize_all(net, o, out);
  NetworkRunner runner(net, cal, o.array(), out.runs, false);
  // A grouped convolution's passes run one group's stream each: compare group 0's.
  PassCapture capture(o.array(), op.group > 1 ? name + ".g0" : name, position);
  runner.run_batch(test, f.image, images, capture);
  if (capture.captured.empty()) throw std::logic_error("compare: the pass of " + name + " was never run");
  out.requests = capture.captured;
  out.title = "layer " + name + " (" + op.name + ")" + (op.group > 1 ? " group 0 of " + std::to_string(op.group) : "") +
              ", " + std::to_string(out.requests[0].layer->rows) + " x " +
              std::to_string(out.requests[0].layer->cols) + " weights, " +
              (op.kind == OpKind::conv ? "image " + std::to_string(f.image) + ", " : "") + lanes_are;
}

// A dense ROWSxCOLS layer with random weights and random activations (all lanes active).
void synthetic_passes(const CompareFlags& f, ComparePasses& out) {
  const tb::Options& o = f.sim;
  int rows = 0, cols = 0;
  char x = 0, extra = 0;
  if (std::sscanf(f.synthetic.c_str(), "%d%c%d%c", &rows, &x, &cols, &extra) != 3 || x != 'x' || rows < 1 ||
      cols < 1 || int64_t{rows} * cols > (int64_t{1} << 24))
    throw InputError("--synthetic", "", "expected ROWSxCOLS (e.g. 8x64, at most 2^24 weights), got '" + f.synthetic + "'");
  if (f.weight_dist != "laplace" && f.weight_dist != "uniform")
    throw InputError("--weight-dist", "", "unknown distribution '" + f.weight_dist + "' (expected laplace or uniform)");
  std::mt19937_64 rng(o.seed);
  Network net;
  Op op;
  op.kind = OpKind::dense;
  op.name = "synthetic";
  op.weight_shape = {rows, cols};
  op.bias.assign(rows, 0.0f);
  op.in_shape = {cols};
  op.out_shape = {rows};
  std::exponential_distribution<double> magnitude(1.0);  // |Laplace|: many small weights, as trained layers have
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::bernoulli_distribution negative(0.5);
  for (int i = 0; i < rows * cols; ++i)
    op.weight.push_back(static_cast<float>(f.weight_dist == "uniform" ? uniform(rng)
                                                                      : magnitude(rng) * (negative(rng) ? -1 : 1)));
  net.ops.push_back(op);
  quantize_all(net, o, out);
  std::vector<uint32_t> acts(static_cast<size_t>(o.lanes) * cols);
  std::uniform_int_distribution<uint32_t> act(0, (1u << o.stream_bits) - 1);
  for (uint32_t& a : acts) a = act(rng);
  for (const EncodingRun& r : out.runs) {
    PassRequest req;
    req.layer = &r.layers.front();
    req.acts = acts;
    req.active_lanes = o.lanes;
    out.requests.push_back(std::move(req));
  }
  out.title = "synthetic " + std::to_string(rows) + " x " + std::to_string(cols) + " layer, " + f.weight_dist +
              " weights, seed " + std::to_string(o.seed) + ", random activations";
}

// The terms a weight yields in an encoding, e.g. "+2^-1 -2^-5" or "+37" (linear), "0" for none.
std::string terms_of(const QuantLayer& layer, uint64_t weight) {
  std::string s;
  auto it = std::lower_bound(layer.terms.begin(), layer.terms.end(), weight,
                             [](const Term& t, uint64_t w) { return t.weight < w; });
  for (; it != layer.terms.end() && it->weight == weight; ++it) {
    s += s.empty() ? "" : " ";
    s += it->sign < 0 ? "-" : "+";
    s += layer.image.params.format == Format::linear ? std::to_string(it->nbits) : "2^-" + std::to_string(it->exponent);
  }
  return s.empty() ? "0" : s;
}

// The energy of an encoding's pass (models/cost/energy.h): its weight memory holds the network's
// image in that encoding.
Energy pass_energy(const CompareFlags& f, const EncodingRun& run, const PassStats& stats) {
  return energy_of(action_counts(stats, f.sim.lanes), *f.energy, with_memory_words(f.sim.cost(), run.memory_words()));
}

void print_summary(const CompareFlags& f, const ComparePasses& passes, const tb::LockstepResult& r, std::ostream& os) {
  const auto& ref = r.timelines.front();
  os << "compare " << passes.title << ", " << f.sim.lanes << " lanes; reference " << ref.name << "\n\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-9s %10s %9s %12s %14s %13s %11s %11s  %s\n", "encoding", "cycles",
                ("vs_" + ref.name).c_str(), "busy_cycles", "stall_decoder", "stall_memory", "stall_fifo", "energy_nJ",
                ("behind_" + ref.name + "_from").c_str());
  os << line;
  for (const tb::EncodingTimeline& t : r.timelines) {
    const bool is_ref = &t == &ref;
    const size_t e = static_cast<size_t>(&t - &r.timelines.front());
    const double energy = pass_energy(f, passes.runs[e], r.outcomes[e].stats).total();
    const std::string delta = is_ref ? "-" : (t.cycles >= ref.cycles ? "+" : "") + std::to_string(int64_t(t.cycles - ref.cycles));
    const std::string behind = is_ref ? "-" : t.behind_from ? "cycle " + std::to_string(*t.behind_from) : "never";
    std::snprintf(line, sizeof line, "%-9s %10llu %9s %12llu %14llu %13llu %11llu %11.3f  %s\n", t.name.c_str(),
                  (unsigned long long)t.cycles, delta.c_str(), (unsigned long long)t.busy_cycles,
                  (unsigned long long)t.stall_cycles[1], (unsigned long long)t.stall_cycles[2],
                  (unsigned long long)t.stall_cycles[3], energy * 1e-3, behind.c_str());
    os << line;
  }
  const int cols = passes.requests.front().layer->cols;
  for (size_t e = 1; e < r.timelines.size(); ++e) {
    const tb::EncodingTimeline& t = r.timelines[e];
    const auto costly = tb::costliest_weights(t, ref, f.top);
    os << "\n" << t.name << ": weights that cost it extra cycles over " << ref.name
       << (costly.empty() ? ": none\n" : " (term cycles + stall cycles waiting for its terms):\n");
    if (costly.empty()) continue;
    std::snprintf(line, sizeof line, "  %8s %5s %5s %8s %8s %7s  %-24s %s\n", "weight", "row", "col", ref.name.c_str(),
                  t.name.c_str(), "extra", (ref.name + " terms").c_str(), (t.name + " terms").c_str());
    os << line;
    for (const tb::WeightCost& c : costly) {
      std::snprintf(line, sizeof line, "  %8llu %5llu %5llu %8llu %8llu %+7lld  %-24s %s\n", (unsigned long long)c.weight,
                    (unsigned long long)(c.weight / cols), (unsigned long long)(c.weight % cols),
                    (unsigned long long)c.reference_cycles, (unsigned long long)c.cycles, (long long)c.extra(),
                    terms_of(*passes.requests[0].layer, c.weight).c_str(), terms_of(*passes.requests[e].layer, c.weight).c_str());
      os << line;
    }
  }
}

nlohmann::ordered_json summary_json(const CompareFlags& f, const ComparePasses& passes, const tb::LockstepResult& r) {
  nlohmann::ordered_json j;
  j["title"] = passes.title;
  j["reference"] = r.timelines.front().name;
  j["rows"] = passes.requests.front().layer->rows;
  j["cols"] = passes.requests.front().layer->cols;
  j["lanes"] = f.sim.lanes;
  j["active_lanes"] = passes.requests.front().active_lanes;
  j["config"] = f.sim.to_json();
  j["config"]["energy_table_digest"] = f.energy->digest;
  for (size_t e = 0; e < r.timelines.size(); ++e) {
    const tb::EncodingTimeline& t = r.timelines[e];
    nlohmann::ordered_json x;
    x["name"] = t.name;
    x["cycles"] = t.cycles;
    x["busy_cycles"] = t.busy_cycles;
    x["stall_decoder_cycles"] = t.stall_cycles[1];
    x["stall_memory_cycles"] = t.stall_cycles[2];
    x["stall_fifo_cycles"] = t.stall_cycles[3];
    x["behind_reference_from_cycle"] = t.behind_from ? nlohmann::ordered_json(*t.behind_from) : nullptr;
    const Energy energy = pass_energy(f, passes.runs[e], r.outcomes[e].stats);
    x["energy_pj"] = energy.total();
    for (const auto& [component, pj] : energy.by_component) x["energy_pj_by_component"][component] = pj;
    x["costliest_weights"] = nlohmann::ordered_json::array();
    if (e > 0)
      for (const tb::WeightCost& c : tb::costliest_weights(t, r.timelines.front(), f.top))
        x["costliest_weights"].push_back({{"weight", c.weight}, {"cycles", c.cycles}, {"reference_cycles", c.reference_cycles}});
    x["accumulators"] = r.outcomes[e].acc;  // [row * lanes + lane]
    j["encodings"].push_back(x);
  }
  return j;
}

void compare_command(CompareFlags& f) {
  tb::Options& o = f.sim;
  if (!f.synthetic.empty() && (!o.model.empty() || !f.layer.empty()))
    throw InputError("--synthetic", "", "give either --model with --layer, or --synthetic ROWSxCOLS");
  if (f.synthetic.empty() && o.model.empty()) throw InputError("--model", "", "required (or --synthetic ROWSxCOLS)");
  if (f.synthetic.empty() && f.layer.empty())
    throw InputError("--layer", "", "required with --model (a layer name as in summary.json, e.g. 0_Conv)");
  o.sim_mode = "per-cycle";
  o.validate();
  if (o.energy_table.empty()) o.energy_table = tb::default_energy_table();
  const EnergyTable energy = tb::read_energy_table(o.energy_table);
  f.energy = &energy;
  const std::vector<Format> formats = o.formats();
  if (std::set<Format>(formats.begin(), formats.end()).size() != formats.size())
    throw InputError("--encodings", "", "an encoding is listed twice");
  if (f.lane < 0 || f.lane >= o.lanes)
    throw InputError("--lane", "", "lane " + std::to_string(f.lane) + " is not one of the " + std::to_string(o.lanes) + " lanes");
  const tb::TraceWindow window = tb::parse_window(f.window, "--window");

  ComparePasses passes;
  if (f.synthetic.empty()) model_passes(f, passes);
  else synthetic_passes(f, passes);
  std::vector<std::string> names;
  for (const EncodingRun& r : passes.runs) names.push_back(r.name);

  for (const std::string& path : {f.vcd, f.timeline, f.json}) {  // outputs may go to new directories
    std::error_code ignored;  // a directory that cannot be made shows when its file is written
    if (!path.empty()) std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  }
  const std::string vcd_path = f.vcd.size() > 4 && f.vcd.compare(f.vcd.size() - 4, 4, ".vcd") == 0 ? f.vcd : f.vcd + ".vcd";
  if (!std::ofstream(vcd_path))  // SystemC's VCD writer does not survive a path it cannot open
    throw InputError(vcd_path, "", "cannot write the VCD file");
  std::ofstream csv;
  const std::string csv_partial = f.timeline + ".partial";
  if (!f.timeline.empty()) {
    csv.open(csv_partial);
    if (!csv) throw InputError(f.timeline, "", "cannot write the timeline");
  }
  tb::LockstepOptions options;
  options.vcd = f.vcd;
  options.window = window;
  options.lane = f.lane;
  options.csv = f.timeline.empty() ? nullptr : &csv;
  spdlog::info("compare: {} in lockstep, {}", o.encodings, passes.title);
  tb::LockstepResult result;
  try {
    result = tb::run_lockstep(passes.requests, names, o.accel(), options);
  } catch (...) {
    if (!f.timeline.empty()) std::filesystem::remove(csv_partial);
    throw;
  }
  if (!f.timeline.empty()) {
    csv.close();
    std::error_code error;
    if (!csv) error = std::make_error_code(std::errc::io_error);
    else std::filesystem::rename(csv_partial, f.timeline, error);
    if (error) {  // e.g. a directory made under that name meanwhile: no .partial left behind
      std::error_code ignored;
      std::filesystem::remove(csv_partial, ignored);
      throw InputError(f.timeline, "", "cannot write the timeline: " + error.message());
    }
    spdlog::info("timeline written to {}", f.timeline);
  }
  std::string dump = result.vcd_path;
  if (f.fst) dump = tb::convert_to_fst(result.vcd_path);
  const std::string stem = result.vcd_path.substr(0, result.vcd_path.size() - 4);
  uint64_t last_cycle = 0;
  for (const tb::EncodingTimeline& t : result.timelines) last_cycle = std::max(last_cycle, t.cycles - 1);
  if (window.from > last_cycle) spdlog::warn("--window starts after the last cycle, {}: nothing traced", last_cycle);
  tb::GtkwView view;
  view.from_cycle = window.from;
  view.cycles = std::min(window.to, last_cycle) - std::min(window.from, last_cycle) + 1;
  view.period_ps = o.accel().period_ps;
  tb::write_gtkw(stem + ".gtkw", dump, tb::read_vcd_header(result.vcd_path), names, view);
  spdlog::info("waveform written to {}{} with {}.gtkw", result.vcd_path, f.fst ? " and " + dump : "", stem);
  if (!f.json.empty()) write_file_atomic(f.json, summary_json(f, passes, result).dump(2) + "\n");
  print_summary(f, passes, result, std::cout);
}

}  // namespace

void register_compare(CLI::App& app) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* sub = app.add_subcommand("compare", "Run one accelerator per encoding in lockstep on one layer");
  add_config_option(*sub);
  tb::add_options(sub, flags->sim, tb::kCompareOptions);  // --model is optional: --synthetic needs none
  sub->get_option("--seed")->description("Seed of the LFSR SNGs and of --synthetic's weights and activations");
  sub->add_option("--layer", flags->layer, "Layer as in summary.json (0_Conv) or its ONNX node name (/0/Conv)");
  sub->add_option("--image", flags->image, "Test image (conv: its output positions fill the lanes; dense: images "
                                           "I..I+P-1 do)")
      ->check(non_negative())
      ->capture_default_str();
  sub->add_option("--tile", flags->tile, "Conv: tile of P output positions (default: the tile holding the centre)")
      ->check(non_negative());
  sub->add_option("--synthetic", flags->synthetic, "Instead of --model/--layer: a random dense ROWSxCOLS layer and "
                                                   "random activations, drawn with --seed");
  sub->add_option("--weight-dist", flags->weight_dist, "Synthetic weights: laplace or uniform")->capture_default_str();
  sub->add_option("--vcd", flags->vcd, "VCD waveform, one scope per encoding; FILE.gtkw is written next to it")
      ->check(output_file())
      ->required();
  sub->add_option("--window", flags->window, "Trace and timeline only cycles FROM:TO");
  sub->add_option("--timeline", flags->timeline, "Per-cycle timeline CSV (one row per cycle and encoding)")
      ->check(output_file());
  sub->add_flag("--fst", flags->fst, "Also convert the VCD to FST with GTKWave's vcd2fst");
  sub->add_option("--lane", flags->lane, "Lane whose accumulator is traced and in the timeline")->capture_default_str();
  sub->add_option("--top", flags->top, "How many of the costliest weights to list per encoding")
      ->check(non_negative())
      ->capture_default_str();
  sub->add_option("--json", flags->json, "Also write the summary and every accumulator as JSON")->check(output_file());
  sub->callback([flags] { compare_command(*flags); });
}

}  // namespace slq
