#include "tb/sim_options.h"

#include "models/errors.h"
#include "tb/cli.h"

namespace slq::tb {

void SimOptions::add_flags(CLI::App* app, bool with_dataset) {
  app->add_option("--model", model, "ONNX model (Conv, Gemm/MatMul, Relu, pooling, Flatten)")->required();
  if (with_dataset) {
    app->add_option("--dataset", dataset, "Data set (fashion-mnist)")->capture_default_str();
    app->add_option("--data-dir", data_dir, "Directory with the IDX files")->capture_default_str();
    app->add_option("--images", images, "Simulate the first N test images, in order")
        ->check(non_negative())
        ->capture_default_str();
  }
  // A comma-separated string on the command line, a list or a string in YAML.
  app->add_option_function<std::vector<std::string>>(
         "--encodings",
         [this](const std::vector<std::string>& names) {
           encodings.clear();
           for (const std::string& n : names) encodings += (encodings.empty() ? "" : ",") + n;
         },
         "Comma-separated: tag,special,lq,linear")
      ->delimiter(',')
      ->default_str(encodings);
  app->add_option("--word-bits", word_bits, "b: bits of an SLQ code word")->capture_default_str();
  app->add_option("--L", max_words, "L: SLQ words per weight at most (tag, special)")->capture_default_str();
  app->add_option("--theta", theta, "SLQ stop threshold on the normalized residue")->capture_default_str();
  app->add_option("--rounding", rounding, "LogQuant rounding: log or linear")->capture_default_str();
  app->add_flag("--per-channel-scale", per_channel_scale, "One power-of-two scale per output channel");
  app->add_option("--stream-bits", stream_bits, "N: activation bits (stream period 2^N)")->capture_default_str();
  app->add_option("--mem-word-bits", mem_word_bits, "W: weight-memory word bits")->capture_default_str();
  app->add_option("--lanes", lanes, "P: lanes of the MAC array")->capture_default_str();
  app->add_option("--bits-per-cycle", bits_per_cycle, "B: stream bits per lane per cycle")->capture_default_str();
  app->add_option("--fields-per-cycle", fields_per_cycle, "Decoder fields per cycle")->capture_default_str();
  app->add_option("--fifo-depth", fifo_depth, "Term FIFO entries")->capture_default_str();
  app->add_option("--acc-bits", acc_bits, "A: accumulator bits (saturating)")->capture_default_str();
  app->add_option("--sng", sng, "Stream generator: ld or lfsr")->capture_default_str();
  app->add_option("--seed", seed, "Seed of the LFSR SNGs")->check(non_negative())->capture_default_str();
  app->add_option("--sim-mode", sim_mode, "fast, per-cycle (forced by --vcd) or model (no SystemC)")
      ->capture_default_str();
  app->add_option("--calibration-images", calibration_images, "Training images for the activation scales")
      ->capture_default_str();
  app->add_option("--calibration-percentile", calibration_percentile, "Percentile of activations mapped to 2^N-1")
      ->capture_default_str();
}

void SimOptions::validate() const {
  formats();
  parse_rounding(rounding);
  for (Format f : formats()) code(f).validate("--word-bits/--L/--theta/--stream-bits/--mem-word-bits");
  accel().validate("flags");
  if (sng != "ld" && sng != "lfsr") throw InputError("--sng", "", "unknown SNG '" + sng + "' (expected ld or lfsr)");
  if (sim_mode != "fast" && sim_mode != "per-cycle" && sim_mode != "model")
    throw InputError("--sim-mode", "", "unknown mode '" + sim_mode + "' (expected fast, per-cycle or model)");
  if (dataset != "fashion-mnist") throw InputError("--dataset", "", "unknown data set '" + dataset + "'");
  if (images < 1) throw InputError("--images", "", "must be at least 1");
  if (calibration_images < 1) throw InputError("--calibration-images", "", "must be at least 1");
  if (!(calibration_percentile > 0 && calibration_percentile <= 100))
    throw InputError("--calibration-percentile", "", "must be in (0, 100]");
  for (Format f : formats())
    if (code(f).field_bits() > mem_word_bits)
      throw InputError("--mem-word-bits", "", std::string("W must hold a whole field of ") + to_string(f));
}

CodeParams SimOptions::code(Format f) const {
  CodeParams p;
  p.format = f;
  p.word_bits = word_bits;
  p.stream_bits = stream_bits;
  p.mem_word_bits = mem_word_bits;
  p.max_words = (f == Format::tag || f == Format::special) ? max_words : 1;
  p.theta = theta;
  p.rounding = rounding == "linear" ? Rounding::linear : Rounding::log;
  return p;
}

std::vector<EncodingRun> SimOptions::encoding_runs(const Network& net) const {
  std::vector<EncodingRun> runs;
  for (Format f : formats()) {
    EncodingRun r;
    r.name = to_string(f);
    r.layers = quantize_network(net, quant(f));
    runs.push_back(std::move(r));
  }
  return runs;
}

ArrayParams SimOptions::array() const {
  ArrayParams a;
  a.lanes = lanes;
  a.bits_per_cycle = bits_per_cycle;
  a.acc_bits = acc_bits;
  a.stream_bits = stream_bits;
  a.sng = sng == "lfsr" ? SngKind::lfsr : SngKind::ld;
  a.seed = seed;
  return a;
}

hw::AccelConfig SimOptions::accel() const {
  hw::AccelConfig c;
  c.array = array();
  c.fields_per_cycle = fields_per_cycle;
  c.fifo_depth = fifo_depth;
  c.mode = sim_mode == "per-cycle" ? hw::SimMode::per_cycle : hw::SimMode::fast;
  return c;
}

nlohmann::ordered_json SimOptions::to_json() const {
  nlohmann::ordered_json j;
  j["model"] = model;
  j["dataset"] = dataset;
  j["data_dir"] = data_dir;
  j["images"] = images;
  j["encodings"] = encodings;
  j["word_bits"] = word_bits;
  j["L"] = max_words;
  j["theta"] = theta;
  j["rounding"] = rounding;
  j["per_channel_scale"] = per_channel_scale;
  j["stream_bits"] = stream_bits;
  j["mem_word_bits"] = mem_word_bits;
  j["lanes"] = lanes;
  j["bits_per_cycle"] = bits_per_cycle;
  j["fields_per_cycle"] = fields_per_cycle;
  j["fifo_depth"] = fifo_depth;
  j["acc_bits"] = acc_bits;
  j["sng"] = sng;
  j["seed"] = seed;
  j["sim_mode"] = sim_mode;
  j["calibration_images"] = calibration_images;
  j["calibration_percentile"] = calibration_percentile;
  j["clock_period_ps"] = 1000;
  return j;
}

}  // namespace slq::tb
