#include "models/pipeline/schedule.h"

#include <algorithm>

#include "models/pipeline/controller_core.h"
#include "models/pipeline/decoder_core.h"

namespace slq {

namespace {
constexpr uint64_t kNever = UINT64_MAX;
}  // namespace

// Both blocks act in the same cycle and see each other's registers (FIFO occupancy, the
// decoder's status and done) as of the end of the previous cycle; a word requested in cycle c is
// in the decoder's hands from c+1 on. The loop visits cycle c when the array is free in it (the
// controller decides) or the decoder is awake in it; other cycles change nothing.
PassSchedule schedule_pass(const std::vector<uint64_t>& mem, const CodeParams& code, uint64_t weight_count, int cols,
                           const PipelineParams& pipe) {
  PassSchedule out;
  DecoderCore decoder(code, weight_count, mem.size(), pipe.fields_per_cycle);
  ControllerCore controller(pipe.bits_per_cycle, cols);
  std::vector<Term>& fifo = out.terms;  // every term pushed; [popped, size) are in the FIFO
  size_t popped = 0;
  uint64_t last_pop = kNever, resume = 0;
  bool word_due = false;
  uint64_t due_address = 0;
  DecoderStatus status = DecoderStatus::idle;  // the decoder's registers as the controller sees them
  bool decoder_done = false;

  for (uint64_t c = 0;;) {
    const size_t occupancy = fifo.size() - popped;  // committed at the end of cycle c-1
    if (!controller.busy(c)) {
      switch (ControllerCore::decide(occupancy > 0, false, decoder_done)) {
        case ControllerCore::Action::start:
          controller.start(c, fifo[popped++]);
          last_pop = c;
          break;
        case ControllerCore::Action::finish:
          controller.finish(c);
          out.timing = pass_stats(controller.stats(), decoder.stats(), 0, 0);
          out.rows = row_runs(out.terms, cols, pipe.bits_per_cycle);
          return out;
        case ControllerCore::Action::stall:
          controller.stall(c, false, status);
          break;
      }
    }
    if (!decoder.finished() && c >= resume) {
      if (word_due) {
        decoder.receive(mem[due_address]);
        word_due = false;
      }
      const DecoderCore::Cycle& cycle = decoder.step(pipe.fifo_depth - static_cast<int>(occupancy));
      fifo.insert(fifo.end(), decoder.emitted(), decoder.emitted() + cycle.pushed);
      if (cycle.read) {
        word_due = true;
        due_address = cycle.read_address;
      }
      status = cycle.status;
      if (decoder.finished()) {
        decoder_done = true;
      } else if (status == DecoderStatus::fifo_full) {
        // Asleep until the cycle after the controller's next pop (a slot freed in cycle p can be
        // written from p+1 on). The FIFO is full, so the controller pops as soon as the array is
        // free: this cycle if it already did or is free, else when its term ends.
        const bool pops_now = last_pop == c || controller.free_at() <= c;
        resume = (pops_now ? c : controller.free_at()) + 1;
        decoder.add_fifo_full_cycles(resume - c);
      } else {
        resume = c + 1;
      }
    }
    const uint64_t controller_next = std::max(c + 1, controller.free_at());
    const uint64_t decoder_next = decoder.finished() ? kNever : std::max(c + 1, resume);
    c = std::min(controller_next, decoder_next);
  }
}

namespace {
bool same_code(const CodeParams& a, const CodeParams& b) {
  return a.format == b.format && a.word_bits == b.word_bits && a.stream_bits == b.stream_bits &&
         a.mem_word_bits == b.mem_word_bits && a.max_words == b.max_words;
}
bool same_pipe(const PipelineParams& a, const PipelineParams& b) {
  return a.fields_per_cycle == b.fields_per_cycle && a.fifo_depth == b.fifo_depth &&
         a.bits_per_cycle == b.bits_per_cycle;
}
}  // namespace

const PassSchedule& ScheduleCache::get(const std::vector<uint64_t>& mem, const CodeParams& code, uint64_t weight_count,
                                       int cols, const PipelineParams& pipe) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->weight_count != weight_count || it->cols != cols || !same_code(it->code, code) ||
        !same_pipe(it->pipe, pipe) || it->mem != mem)
      continue;
    if (it != entries_.begin()) entries_.splice(entries_.begin(), entries_, it);
    return entries_.front().schedule;
  }
  ++misses_;
  Entry e;
  e.schedule = schedule_pass(mem, code, weight_count, cols, pipe);
  e.mem = mem;
  e.code = code;
  e.weight_count = weight_count;
  e.cols = cols;
  e.pipe = pipe;
  entries_.push_front(std::move(e));
  if (entries_.size() > capacity_) entries_.pop_back();
  return entries_.front().schedule;
}

}  // namespace slq
