#include "tb/encoder_bench.h"

#include <memory>
#include <stdexcept>
#include <string>

namespace slq::tb {

std::vector<EncodedStream> encode_streams(const std::vector<std::vector<int16_t>>& weights,
                                          const std::vector<CodeParams>& codes) {
  if (weights.size() != codes.size()) throw std::invalid_argument("encode_streams: one code per stream");
  std::vector<EncoderChain*> chains;  // the kernel keeps its modules to the end of the process
  for (size_t i = 0; i < weights.size(); ++i) {
    const int depth = std::max(16, PackerConfig{codes[i], 1}.max_words_per_cycle());
    chains.push_back(new EncoderChain(("encoder_chain" + std::to_string(i)).c_str(), codes[i], weights[i],
                                      std::max<uint64_t>(1, weights[i].size()), depth));
  }
  sc_core::sc_start();
  std::vector<EncodedStream> out;
  for (const EncoderChain* c : chains) {
    EncodedStream s;
    s.memory = c->sink.words;
    s.cycles = c->packer.last_flush_cycle() + 1;
    s.encoder_busy = c->encoder.cycles_busy();
    s.encoder_stalled = c->encoder.cycles_stalled();
    s.packer_busy = c->packer.cycles_busy();
    s.marker_fields = c->packer.marker_cycles();
    s.words = c->encoder.words();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace slq::tb
