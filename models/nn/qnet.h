// A network quantized for one weight encoding, and the digital steps around the array (docs/quantization.md, docs/networks.md):
// per-layer weight images, activation scales calibrated on training images, requantization and
// pooling on N-bit unsigned activations.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "models/nn/dataset.h"
#include "models/codec/memimage.h"
#include "models/nn/network.h"
#include "models/quant/slq_encoder_model.h"
#include "models/sc/sc_layer.h"

namespace slq {

struct QuantOptions {
  CodeParams code;                 // format, b, N, W, L, theta, rounding
  bool per_channel_scale = false;  // one U per output channel instead of per layer
};

// One compute op (Conv or dense) as the accelerator sees it.
struct QuantLayer {
  size_t op_index = 0;
  std::string name;                // sanitized op name
  int rows = 0, cols = 0;          // output channels x fan-in (C*KH*KW or I)
  MemoryImage image;               // the packed weight stream
  std::vector<Term> terms;         // the stream decoded (golden)
  std::vector<double> row_scale;   // real weight value of one accumulator count, per row
  uint64_t code_words = 0;         // words over all weights (1 per weight for lq and linear)
  // The log formats with log rounding are made by the SLQ encoder (hw/encoder): the Q1.15 weights
  // it is given (w / U, models::to_fixed) and what it takes (its twin, models::encoder_cost).
  // Empty and zero for linear, and for linear rounding, which the encoder does not implement.
  std::vector<int16_t> fixed_weights;
  EncoderCost encoder;
  double sqnr_db = 0;              // quantization SQNR of the weights
  // A grouped convolution (group > 1, depthwise included): the whole layer above (one scale, the
  // statistics and reports), and one stream per group, each starting at a word boundary of the
  // weight memory: group g's rows against its own input channels, pass by pass.
  std::vector<QuantLayer> groups;
  double bits_per_weight() const { return double(image.stream.bits) / double(image.weight_count); }
  double words_per_weight() const { return double(code_words) / double(image.weight_count); }
};

// Quantizes and packs op `op_index` (Conv or dense) of `net`.
QuantLayer quantize_layer(const Network& net, size_t op_index, const QuantOptions& options);
// All compute ops of the network, in order.
std::vector<QuantLayer> quantize_network(const Network& net, const QuantOptions& options);
// The op indices of the compute ops (Conv, dense).
std::vector<size_t> compute_ops(const Network& net);
// Throws InputError unless the network can run on the array: at least one compute op, every
// compute op reads activations that cannot be negative (the array's activations are unsigned
// N-bit integers: a Relu or Clip(min >= 0) on the way), and the network ends in a compute op or
// in digital ops after the last one (docs/networks.md).
void check_mappable(const Network& net);

// Where the digital unit stores N-bit activations (docs/networks.md, "Digital ops"): op i's
// output is requantized at its own calibrated scale when requantized[i]; quantized[i] says
// whether op i's output is N-bit integers (requantized here or passed on unchanged by a pool,
// flatten or Relu of N-bit integers) rather than the digital unit's real values.
struct ActivationPlan {
  std::vector<bool> requantized;
  std::vector<bool> quantized;
  std::vector<bool> non_negative;
};
ActivationPlan activation_plan(const Network& net);

// Throws InputError (naming the data set's images file) unless the data set's images are the
// network's input: as many pixels as the input has values and, for a C,H,W input, H x W pixels.
// Every command that runs a data set through a model calls it once, up front.
void check_dataset(const Network& net, const Dataset& data);
// check_dataset, and at least one image to calibrate on.
void check_training_set(const Network& net, const Dataset& train);

// Activation scales: the real value of one integer step of each compute op's requantized output.
struct Calibration {
  double input_scale = 1.0 / 255.0;  // 8-bit pixels
  std::vector<double> out_scale;     // per op index; 0 for ops that are not requantized (activation_plan)
  int images = 0;
  double percentile = 99.99;
};
// The real value of one step of compute op `op`'s output as the next layer reads it (the scale
// of the Relu or Clip that only it feeds); 0 when its output is not requantized that way.
double layer_output_scale(const Network& net, const Calibration& cal, size_t op);
// Throws InputError when the training set does not fit the network (check_dataset) or has no
// images to calibrate on.
Calibration calibrate(const Network& net, const Dataset& train, size_t images, int stream_bits,
                      double percentile = 99.99);

// Digital post-processing, bit for bit.
inline uint32_t requantize(double value, double scale, int stream_bits) {
  const double hi = double((1u << stream_bits) - 1);
  // A zero scale saturates by the value's sign, as value / +0 would, without dividing by zero.
  if (scale == 0.0) return value > 0 ? static_cast<uint32_t>(hi) : 0u;
  const double q = std::floor(value / scale + 0.5);
  return static_cast<uint32_t>(!(q > 0) ? 0 : (q > hi ? hi : q));  // NaN -> 0, never an undefined cast
}
// The pixels (0..255) of image `image` of the data set as N-bit activations (rows x cols values).
// Throws std::out_of_range for an image the data set does not have.
std::vector<uint32_t> pixels_to_activations(const Dataset& data, size_t image, int stream_bits);
// Max or average pooling of a C,H,W tensor of activations (average rounds half up); the global
// average pool too.
std::vector<uint32_t> pool(const Op& op, const std::vector<uint32_t>& in);
// The same on the digital unit's real values (averages not rounded).
std::vector<double> pool(const Op& op, const std::vector<double>& in);
// im2col: the activations of output position `pos` of Conv `op` for column k = (c, kh, kw).
// A grouped convolution's columns are those of group `group` (its C / G input channels).
void im2col_position(const Op& op, const std::vector<uint32_t>& in, int64_t pos, uint32_t* column_out, int group = 0);
// The same as a table, for all positions: table[pos * K + k] is the index into the input tensor
// of column k at output position pos, or -1 for padding (K = C / G x KH x KW), for group `group`.
std::vector<int32_t> im2col_table(const Op& op, int group = 0);

}  // namespace slq
