// Fuzz target: the hardware stream decoder's step function (models/pipeline/decoder_core.h)
// driven over a whole pass by schedule_pass (models/pipeline/schedule.h), with the term FIFO and
// the controller. Input: fuzz_stream.h's header with a 2-byte weight count, then cols (2 bytes),
// fields per cycle, FIFO depth (2 bytes) and bits per cycle, then the memory words.
// The job is set up as the simulator sets up a pass: code parameters and pipeline within their
// validated ranges (else they must be rejected as input errors), rows x cols = weight count,
// check_job first. Oracle: accepted, or InputError; when decode_stream accepts the same image,
// schedule_pass accepts it too and its terms are exactly the golden terms of the decoded words.
#include "fuzz/fuzz_stream.h"
#include "hw/accel_config.h"
#include "models/codec/codec.h"
#include "models/pipeline/pipeline.h"
#include "models/pipeline/schedule.h"
#include "models/sc/sc_layer.h"

namespace {
bool same_terms(const std::vector<slq::Term>& a, const std::vector<slq::Term>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].weight != b[i].weight || a[i].sign != b[i].sign || a[i].exponent != b[i].exponent ||
        a[i].first != b[i].first || a[i].nbits != b[i].nbits)
      return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slq;
  fuzz::Bytes in{data, size};
  bool mask = true;
  fuzz::RawStream s = fuzz::read_raw_header(in, 2, &mask);
  const int cols = static_cast<int>(in.le(2));
  PipelineParams pipe;
  pipe.fields_per_cycle = in.u8() % 66;                    // valid 1..64
  pipe.fifo_depth = static_cast<int>(in.le(2) % 1030);    // valid 1..1024
  pipe.bits_per_cycle = in.u8() % 66;                      // valid 1..64
  // Memory words of a pass come from pack_stream and never exceed W bits (check_job refuses a
  // job that has wider ones as a programming error): always masked here.
  (void)mask;
  fuzz::read_words(in, s, true);
  // The simulator validates the code and the pipeline before any pass (Options::validate,
  // AccelConfig::validate): out-of-range values are input errors, never a pass.
  hw::AccelConfig config;
  config.fields_per_cycle = pipe.fields_per_cycle;
  config.fifo_depth = pipe.fifo_depth;
  config.array.bits_per_cycle = pipe.bits_per_cycle;
  config.array.stream_bits = s.code.stream_bits;
  if (!fuzz::accepted([&] {
        s.code.validate();
        config.validate();
      }))
    return 0;
  if (cols < 1 || s.weight_count % uint64_t(cols) != 0) return 0;  // not a pass: rows x cols = weight count
  const std::vector<uint32_t> acts(size_t(config.array.lanes) * size_t(cols), 0);
  PassJob job;
  job.memory = &s.mem;
  job.code = s.code;
  job.weight_count = s.weight_count;
  job.rows = static_cast<int>(s.weight_count / uint64_t(cols));
  job.cols = cols;
  job.acts = &acts;
  job.active_lanes = config.array.lanes;
  if (!fuzz::accepted([&] { check_job(job, config.array.lanes); })) return 0;
  PassSchedule schedule;
  const bool scheduled = fuzz::accepted([&] { schedule = schedule_pass(s.mem, s.code, s.weight_count, cols, pipe); });
  WeightWords words;
  if (!fuzz::accepted([&] { words = decode_stream(s.mem, s.weight_count, s.code); })) return 0;
  SLQ_FUZZ_CHECK(scheduled, "decode_stream accepts an image schedule_pass rejects");
  SLQ_FUZZ_CHECK(same_terms(schedule.terms, stream_terms(words, s.code)), "terms differ from the golden terms");
  return 0;
}
