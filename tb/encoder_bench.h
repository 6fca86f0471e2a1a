// A testbench for the SLQ encoder and the stream packer (hw/encoder): a source offering Q1.15
// weights, the encoder, the packer and a sink taking memory words, with FIFO depths as in the
// accelerator. `slqsim encode` makes its images with it, and the encoder tests use it.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include <systemc>

#include "hw/encoder/packer.h"
#include "hw/encoder/slq_encoder.h"
#include "models/codec/format.h"

namespace slq::tb {

SC_MODULE(ValueSource) {
  sc_core::sc_fifo_out<int16_t> out;
  std::vector<int16_t> values;
  sc_core::sc_time period;
  double gap_probability = 0.0;  // chance of pausing 1..4 cycles before a value
  std::mt19937 rng{7};
  SC_HAS_PROCESS(ValueSource);
  ValueSource(sc_core::sc_module_name name, std::vector<int16_t> v, sc_core::sc_time clock_period)
      : sc_module(name), values(std::move(v)), period(clock_period) {
    SC_THREAD(run);
  }
  void run() {
    for (int16_t v : values) {
      if (gap_probability > 0 && std::uniform_real_distribution<double>()(rng) < gap_probability)
        wait(static_cast<double>(1 + rng() % 4) * period);
      out->write(v);
    }
  }
};

SC_MODULE(MemorySink) {
  sc_core::sc_fifo_in<uint64_t> in;
  std::vector<uint64_t> words;
  sc_core::sc_time period;
  double gap_probability = 0.0;  // chance of pausing 1..16 cycles before a read
  std::mt19937 rng{11};
  SC_HAS_PROCESS(MemorySink);
  MemorySink(sc_core::sc_module_name name, sc_core::sc_time clock_period) : sc_module(name), period(clock_period) {
    SC_THREAD(run);
  }
  void run() {
    for (;;) {
      if (gap_probability > 0 && std::uniform_real_distribution<double>()(rng) < gap_probability)
        wait(static_cast<double>(1 + rng() % 16) * period);
      words.push_back(in->read());
    }
  }
};

// Source -> encoder -> packer -> sink, with FIFO depths as in the accelerator (2 between stages).
SC_MODULE(EncoderChain) {
  sc_core::sc_fifo<int16_t> values;
  sc_core::sc_fifo<EncodedWord> words;
  sc_core::sc_fifo<uint64_t> memory;
  ValueSource source;
  SlqEncoder encoder;
  StreamPacker packer;
  MemorySink sink;

  EncoderChain(sc_core::sc_module_name name, const CodeParams& p, std::vector<int16_t> inputs,
               uint64_t weights_per_stream, int memory_depth = 16,
               sc_core::sc_time period = sc_core::sc_time(1, sc_core::SC_NS))
      : sc_module(name),
        values("values", 2),
        words("words", 2),
        memory("memory", memory_depth),
        source("source", std::move(inputs), period),
        encoder("encoder", EncoderConfig{p, period}),
        packer("packer", PackerConfig{p, weights_per_stream, period}),
        sink("sink", period) {
    source.out(values);
    encoder.in(values);
    encoder.out(words);
    packer.in(words);
    packer.out(memory);
    sink.in(memory);
  }
};

// The encoder's result for one stream: its memory image and what it took.
struct EncodedStream {
  std::vector<uint64_t> memory;
  uint64_t cycles = 0;  // from cycle 0 through the cycle of the last memory word (last flush + 1)
  uint64_t encoder_busy = 0, encoder_stalled = 0, packer_busy = 0, marker_fields = 0, words = 0;
};
// Encodes each stream (Q1.15 weights in the code of `codes[i]`) on its own encoder and packer, all
// in one simulation. Elaborates: call once per process, outside a running simulation.
std::vector<EncodedStream> encode_streams(const std::vector<std::vector<int16_t>>& weights,
                                          const std::vector<CodeParams>& codes);

}  // namespace slq::tb
