#include "hw/memory/weight_memory.h"

namespace slq::hw {

WeightMemory::WeightMemory(sc_core::sc_module_name name, PassContext& ctx)
    : sc_module(name), request("request", 1), response("response", 2), ctx_(ctx) {
  SC_METHOD(serve);
  sensitive << request.data_written_event();
  dont_initialize();
}

void WeightMemory::begin_pass() {
  // A read still on its way when the last pass ended (the decoder may finish with one in flight
  // when an image has words past its stream) must not reach the next pass.
  pending_ = false;
  uint64_t stale = 0;
  while (response.nb_read(stale)) {
  }
  reads_ = 0;
}

void WeightMemory::serve() {
  if (pending_) {  // a late answer falls due
    response.nb_write(pending_word_);
    pending_ = false;
    return;  // back to waiting for requests
  }
  uint64_t address = 0;
  if (!request.nb_read(address)) return;
  const std::vector<uint64_t>& image = *ctx_.job.memory;
  const uint64_t word = address < image.size() ? image[address] : 0;
  ++reads_;
  const int extra = ctx_.stalls != nullptr ? ctx_.stalls->memory_extra_cycles() : 0;
  if (extra > 0) {
    pending_ = true;
    pending_word_ = word;
    next_trigger(extra * ctx_.period);
    return;
  }
  response.nb_write(word);
}

}  // namespace slq::hw
