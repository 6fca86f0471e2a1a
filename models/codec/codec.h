// Stream formats of docs/formats.md: packing weights' words into W-bit memory words and
// decoding them back, field by field, with every malformed-stream class reported by position.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/errors.h"
#include "models/codec/format.h"

namespace slq {

// The words of a sequence of weights: log formats hold code words v (docs/formats.md), linear holds one
// signed integer w_int per weight. Weight i owns words[offsets[i] .. offsets[i+1]).
struct WeightWords {
  std::vector<int32_t> words;
  std::vector<uint32_t> offsets{0};
  size_t weight_count() const { return offsets.size() - 1; }
  size_t words_of(size_t i) const { return offsets[i + 1] - offsets[i]; }
  const int32_t* begin_of(size_t i) const { return words.data() + offsets[i]; }
  void add(const std::vector<int>& weight_words);
  bool operator==(const WeightWords& o) const { return words == o.words && offsets == o.offsets; }
};

// A malformed stream: the field index and bit offset (from the start of the stream) where
// decoding failed, and why.
class StreamError : public InputError {
 public:
  StreamError(const std::string& where, uint64_t field_index, uint64_t bit_offset, const std::string& reason)
      : InputError(where, "field " + std::to_string(field_index) + ", bit offset " + std::to_string(bit_offset),
                   reason),
        field_index_(field_index), bit_offset_(bit_offset) {}
  uint64_t field_index() const { return field_index_; }
  uint64_t bit_offset() const { return bit_offset_; }

 private:
  uint64_t field_index_, bit_offset_;
};

// Memory words hold W bits each, right-aligned in uint64_t; the stream starts at the MSB of word 0.
struct PackedStream {
  std::vector<uint64_t> mem;
  uint64_t bits = 0;  // stream bits before padding
};
// Throws InputError if a word cannot be represented in the format (e.g. L exceeded, M in tag).
PackedStream pack_stream(const WeightWords& weights, const CodeParams& p);

// Reads field `index` of width `width` bits starting at bit `offset`; the caller checks bounds.
uint64_t read_bits(const std::vector<uint64_t>& mem, int mem_word_bits, uint64_t offset, int width);

// What one field means to the stream decoder (used bit for bit by hw/decoder).
struct FieldEvent {
  enum Kind { term, zero, marker, end } kind = zero;
  bool consumed = true;     // false only for `end` (the peeked field is padding, not part of the stream)
  int32_t value = 0;        // code word v (log formats) or signed w_int (linear)
  uint64_t weight = 0;      // index of the weight this field belongs to
  bool first = false;       // first word of its weight
};

// The decoder's field-level state machine. Feed it fields in order; it tells what each is.
class FieldDecoder {
 public:
  FieldDecoder(const CodeParams& p, uint64_t weight_count, std::string where = "stream");
  // True when the stream can end here without reading another field: all weights are complete
  // and no continuation is possible.
  bool complete() const;
  // True when every weight has started and the last could still continue (special only):
  // the next field, if the image has one, must be peeked to tell.
  bool may_continue() const;
  // Classifies the next field (raw field bits) at stream bit `bit_offset`; throws StreamError.
  FieldEvent next(uint64_t raw, uint64_t bit_offset);
  // Called when the image has no further whole field; throws StreamError unless the stream may end.
  void finish(uint64_t bit_offset) const;
  uint64_t fields() const { return fields_; }

 private:
  int32_t sign_extend(uint64_t raw, int bits) const;
  [[noreturn]] void fail(uint64_t bit_offset, const std::string& why) const;
  CodeParams p_;
  uint64_t weight_count_;
  std::string where_;
  uint64_t fields_ = 0;        // fields consumed so far
  uint64_t started_ = 0;       // weights started
  int words_in_weight_ = 0;    // words of the current weight so far
  bool open_ = false;          // tag: t = 1 seen; special: marker seen, a word must follow
};

// Decodes a whole image, checks the padding and that no data follows the last weight.
WeightWords decode_stream(const std::vector<uint64_t>& mem, uint64_t weight_count, const CodeParams& p,
                          const std::string& where = "stream");

}  // namespace slq
