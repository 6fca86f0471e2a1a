#include "models/pass_schedule.h"

#include <algorithm>

namespace slq {

DecodedFields decode_fields(const std::vector<uint64_t>& mem, const CodeParams& code, uint64_t weight_count,
                            const std::string& where) {
  DecodedFields out;
  FieldDecoder fields(code, weight_count, where);
  const int fb = code.field_bits();
  const uint64_t image_bits = static_cast<uint64_t>(mem.size()) * code.mem_word_bits;
  uint64_t offset = 0;
  for (;;) {
    // The decoder's order within a slot: complete? then a whole field left? then the field.
    if (fields.complete()) {
      out.end = DecodedFields::End::complete;
      break;
    }
    if (offset + fb > image_bits) {
      fields.finish(offset);
      out.end = DecodedFields::End::image_end;
      break;
    }
    const FieldEvent ev = fields.next(read_bits(mem, code.mem_word_bits, offset, fb), offset);
    if (ev.kind == FieldEvent::end) {
      out.end = DecodedFields::End::peeked_end;
      break;
    }
    offset += fb;
    uint8_t has_term = 0;
    if (ev.kind == FieldEvent::marker) {
      ++out.markers;
    } else if (ev.kind == FieldEvent::zero) {
      ++out.zero_codes;
    } else {
      Term term = word_term(ev.value, code);
      if (term.nbits == 0) {
        ++out.dropped_terms;
      } else {
        term.weight = static_cast<uint32_t>(ev.weight);
        term.first = ev.first;
        out.terms.push_back(term);
        has_term = 1;
      }
    }
    out.field_has_term.push_back(has_term);
  }
  return out;
}

namespace {
constexpr uint64_t kNever = UINT64_MAX;
}  // namespace

// One loop step per cycle in which the controller or the decoder acts, with the rules of
// hw/array/controller.cpp and hw/decoder/stream_decoder.cpp: both act in the same delta of a
// cycle and see each other's registers (FIFO occupancy, decoder status and done) as of the end of
// the previous cycle; a memory word requested in cycle c is in the decoder's buffer at c+1.
PassStats pass_schedule(const DecodedFields& f, uint64_t mem_words, int W, int fb, const PipelineParams& pipe) {
  PassStats s;
  s.fields = f.fields();
  s.terms = f.terms.size();
  s.markers = f.markers;
  s.zero_codes = f.zero_codes;
  s.dropped_terms = f.dropped_terms;
  const uint64_t field_count = f.fields();
  const int F = pipe.fields_per_cycle, depth = pipe.fifo_depth;

  // FIFO: terms [popped, pushed) of f.terms, in order.
  uint64_t pushed = 0, popped = 0;
  // Controller.
  uint64_t array_free_at = 0, last_pop = kNever;
  // Decoder.
  uint64_t next_field = 0, words_requested = 0, resume = 0;
  int64_t buffer_bits = 0;
  bool outstanding = false, dec_finished = false;
  DecoderStatus status = DecoderStatus::idle;  // as the controller sees it: written in an earlier cycle
  bool done = false;

  for (uint64_t c = 0;;) {
    const uint64_t occupancy = pushed - popped;  // committed at the end of cycle c-1
    // Controller (reads the decoder's registers of the previous cycle).
    if (c >= array_free_at) {
      if (occupancy > 0) {
        const uint64_t n = term_cycles(f.terms[popped++].nbits, pipe.bits_per_cycle);
        s.busy_cycles += n;
        array_free_at = c + n;
        last_pop = c;
      } else if (done) {
        s.cycles = c + 1;
        return s;
      } else if (c >= kFillCycles) {
        if (status == DecoderStatus::starved)
          ++s.stall_memory;
        else
          ++s.stall_decoder;
      }
    }
    // Decoder.
    if (!dec_finished && c >= resume) {
      if (outstanding) {  // requested in an earlier cycle: arrived
        buffer_bits += W;
        outstanding = false;
      }
      DecoderStatus what = DecoderStatus::idle;
      int pushed_now = 0;
      for (int slot = 0; slot < F && !dec_finished; ++slot) {
        if (next_field == field_count && f.end == DecodedFields::End::complete) {
          dec_finished = true;
          break;
        }
        if (buffer_bits < fb) {
          if (words_requested >= mem_words && !outstanding) {  // image_end
            dec_finished = true;
            break;
          }
          if (what == DecoderStatus::idle) what = DecoderStatus::starved;
          break;
        }
        if (static_cast<int64_t>(depth) - static_cast<int64_t>(occupancy) - pushed_now <= 0) {
          if (what == DecoderStatus::idle) what = DecoderStatus::fifo_full;
          break;
        }
        if (next_field == field_count) {  // peeked_end: the field is padding, not consumed
          dec_finished = true;
          break;
        }
        buffer_bits -= fb;
        if (what == DecoderStatus::idle) what = DecoderStatus::no_term;
        if (f.field_has_term[next_field++]) {
          ++pushed;
          ++pushed_now;
          what = DecoderStatus::produced;
        }
      }
      if (!dec_finished && next_field == field_count && f.end == DecodedFields::End::complete) dec_finished = true;
      if (dec_finished) what = pushed_now ? DecoderStatus::produced : DecoderStatus::done;
      if (!dec_finished && !outstanding && words_requested < mem_words && buffer_bits <= W) {
        ++words_requested;
        outstanding = true;
        ++s.memory_reads;
      }
      status = what;
      if (dec_finished) {
        done = true;
      } else if (what == DecoderStatus::fifo_full) {
        // Asleep until the cycle after the controller's next pop (the FIFO is full, so it pops as
        // soon as the array is free).
        const bool pops_now = last_pop == c || array_free_at <= c;
        resume = (pops_now ? c : array_free_at) + 1;
        s.decoder_fifo_full_cycles += resume - c;
      } else {
        resume = c + 1;
      }
    }
    // The next cycle in which either block acts.
    const uint64_t controller_next = std::max(c + 1, array_free_at);
    const uint64_t decoder_next = dec_finished ? kNever : std::max(c + 1, resume);
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

const ScheduleCache::Entry& ScheduleCache::get(const std::vector<uint64_t>& mem, const CodeParams& code,
                                               uint64_t weight_count, int cols, const PipelineParams& pipe) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->weight_count != weight_count || it->cols != cols || !same_code(it->code, code) || !same_pipe(it->pipe, pipe) ||
        it->mem != mem)
      continue;
    if (it != entries_.begin()) entries_.splice(entries_.begin(), entries_, it);
    return entries_.front();
  }
  ++misses_;
  Entry e;
  e.fields = decode_fields(mem, code, weight_count);
  e.timing = pass_schedule(e.fields, mem.size(), code.mem_word_bits, code.field_bits(), pipe);
  e.rows = row_runs(e.fields.terms, cols, pipe.bits_per_cycle);
  e.mem = mem;
  e.cols = cols;
  e.code = code;
  e.weight_count = weight_count;
  e.pipe = pipe;
  entries_.push_front(std::move(e));
  if (entries_.size() > capacity_) entries_.pop_back();
  return entries_.front();
}

}  // namespace slq
