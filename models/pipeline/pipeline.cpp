#include "models/pipeline/pipeline.h"

#include <stdexcept>

#include "models/errors.h"

namespace slq {

void check_job(const PassJob& job, int lanes) {
  if (!job.memory || !job.acts) throw std::invalid_argument("pass job: no memory image or activations");
  if (job.rows < 0 || job.cols <= 0 || static_cast<uint64_t>(job.rows) * static_cast<uint64_t>(job.cols) != job.weight_count)
    throw std::invalid_argument("pass job: rows x cols must equal the weight count");
  if (job.acts->size() < static_cast<size_t>(lanes) * static_cast<size_t>(job.cols))
    throw std::invalid_argument("pass job: activations must cover lanes x cols");
  if (job.code.field_bits() > job.code.mem_word_bits)
    throw InputError("config", "", "memory word bits W must be at least the field width");
  // A memory word holds W bits and an activation N: anything wider is not hardware (and the
  // closed forms assume it cannot happen). Activations are checked where they are transposed.
  const int W = job.code.mem_word_bits;
  for (uint64_t word : *job.memory)
    if (W < 64 && (word >> W) != 0) throw std::invalid_argument("pass job: a memory word is wider than W bits");
}

const char* to_string(DecoderStatus s) {
  switch (s) {
    case DecoderStatus::idle: return "idle";
    case DecoderStatus::produced: return "produced";
    case DecoderStatus::starved: return "starved";
    case DecoderStatus::no_term: return "no_term";
    case DecoderStatus::fifo_full: return "fifo_full";
    case DecoderStatus::done: return "done";
  }
  return "?";
}

const char* to_string(StallCause c) {
  switch (c) {
    case StallCause::none: return "none";
    case StallCause::decoder: return "decoder";
    case StallCause::memory: return "memory";
    case StallCause::fifo: return "fifo";
  }
  return "?";
}

}  // namespace slq
