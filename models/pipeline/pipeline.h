// The accelerator's pipeline as plain C++ (docs/cycles.md): weight memory -> stream decoder ->
// term FIFO -> controller -> MAC array -> output stage. This header holds what every view of it
// shares: a pass's job, the pipeline's parameters, and the names of what a block did in a cycle.
// The per-cycle decisions are the step functions of decoder_core.h and controller_core.h; the
// SystemC blocks (hw/) call them every cycle and the whole-pass view (schedule.h) on the cycles
// where a block acts.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/codec/format.h"
#include "models/sc/sc_layer.h"

namespace slq {

// One pass: a weight stream (rows x cols weights, row-major) against P lanes of activations.
// A convolution tile or a dense batch is one pass.
struct PassJob {
  const std::vector<uint64_t>* memory = nullptr;  // the layer's memory image (W-bit words)
  CodeParams code;                                // how the image is encoded
  uint64_t weight_count = 0;
  int rows = 0, cols = 0;                         // weight_count = rows * cols
  const std::vector<uint32_t>* acts = nullptr;    // acts[lane * cols + col]
  int active_lanes = 0;                           // lanes carrying real work (for utilization)
};
// Refuses a job no hardware could run on `lanes` lanes: shapes that disagree, activations that
// do not cover the lanes, memory words wider than W, a field wider than W. Every view calls it.
void check_job(const PassJob& job, int lanes);

struct PipelineParams {
  int fields_per_cycle = 1;  // decoder slots per cycle (F)
  int fifo_depth = 2;        // term FIFO entries
  int bits_per_cycle = 1;    // B: a term of n bits occupies the array ceil(n / B) cycles
};

// Cycles before the first term can reach the array: cycle 0 reads memory word 0, cycle 1
// decodes its first field into the FIFO, cycle 2 is the first array cycle.
constexpr uint64_t kFillCycles = 2;

// What the stream decoder did in a cycle; the controller reads it a cycle later (a register) to
// name its stalls.
enum class DecoderStatus : uint8_t { idle = 0, produced = 1, starved = 2, no_term = 3, fifo_full = 4, done = 5 };
const char* to_string(DecoderStatus s);

// Why the array sat idle in a cycle (after the fill, before the final hand-off).
enum class StallCause : uint8_t { none = 0, decoder = 1, memory = 2, fifo = 3 };
const char* to_string(StallCause c);

}  // namespace slq
