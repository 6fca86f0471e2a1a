// The stream decoder's bit buffer: W-bit memory words in, fields out, each classified by
// models::FieldDecoder. It is the one loop over a stream's fields: the SystemC decoder, the
// pipeline's step function (decoder_core.h) and decode_stream (the `decode` command) all read
// fields through it, so a malformed stream gives the same error at the same position everywhere.
#pragma once
#include <cstdint>
#include <string>

#include "models/codec/codec.h"

namespace slq {

class FieldReader {
 public:
  FieldReader(const CodeParams& code, uint64_t weight_count, std::string where);
  // Appends the next W-bit memory word. The buffer holds at most 128 bits: push only while
  // buffered_bits() <= 128 - W (the decoder keeps at most 2W).
  void push_word(uint64_t word);
  int buffered_bits() const { return bits_; }
  // A whole field is buffered.
  bool has_field() const { return bits_ >= field_bits_; }
  // Every weight is complete and no continuation is possible: the stream may end here.
  bool complete() const { return fields_.complete(); }
  // Classifies the next buffered field (has_field() must hold) and consumes it, unless it is
  // FieldEvent::end (special: the peeked field is padding and stays where it is).
  FieldEvent take();
  // The image has no further whole field: throws StreamError unless the stream may end here.
  void finish() const { fields_.finish(offset_); }
  uint64_t bit_offset() const { return offset_; }  // stream bits consumed
  uint64_t fields() const { return fields_.fields(); }

 private:
  FieldDecoder fields_;
  int word_bits_, field_bits_;
  unsigned __int128 buffer_ = 0;  // right-aligned bits not yet consumed
  int bits_ = 0;
  uint64_t offset_ = 0;
};

}  // namespace slq
