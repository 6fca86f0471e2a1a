#include "models/pipeline/field_reader.h"

namespace slq {

FieldReader::FieldReader(const CodeParams& code, uint64_t weight_count, std::string where)
    : fields_(code, weight_count, std::move(where)), word_bits_(code.mem_word_bits), field_bits_(code.field_bits()) {}

void FieldReader::push_word(uint64_t word) {
  buffer_ = (buffer_ << word_bits_) | word;
  bits_ += word_bits_;
}

FieldEvent FieldReader::take() {
  const uint64_t mask = field_bits_ >= 64 ? ~uint64_t{0} : (uint64_t{1} << field_bits_) - 1;
  const uint64_t raw = static_cast<uint64_t>(buffer_ >> (bits_ - field_bits_)) & mask;
  const FieldEvent ev = fields_.next(raw, offset_);
  if (ev.kind == FieldEvent::end) return ev;
  bits_ -= field_bits_;
  buffer_ &= (static_cast<unsigned __int128>(1) << bits_) - 1;
  offset_ += static_cast<uint64_t>(field_bits_);
  return ev;
}

}  // namespace slq
