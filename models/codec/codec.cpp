#include "models/codec/codec.h"

#include "models/pipeline/field_reader.h"

#include <algorithm>
#include <cstdlib>

namespace slq {

void WeightWords::add(const std::vector<int>& weight_words) {
  words.insert(words.end(), weight_words.begin(), weight_words.end());
  offsets.push_back(static_cast<uint32_t>(words.size()));
}

namespace {

class BitWriter {
 public:
  explicit BitWriter(int mem_word_bits) : W_(mem_word_bits) {}
  void put(uint64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      if (bits_ % W_ == 0) out_.mem.push_back(0);
      uint64_t bit = (value >> i) & 1u;
      out_.mem.back() |= bit << (W_ - 1 - bits_ % W_);
      ++bits_;
    }
  }
  PackedStream finish() {
    out_.bits = bits_;
    return std::move(out_);
  }

 private:
  int W_;
  uint64_t bits_ = 0;
  PackedStream out_;
};

uint64_t low_bits(int64_t v, int width) { return static_cast<uint64_t>(v) & ((uint64_t{1} << width) - 1); }

}  // namespace

PackedStream pack_stream(const WeightWords& weights, const CodeParams& p) {
  p.validate();
  BitWriter out(p.mem_word_bits);
  const int b = p.word_bits, M = p.marker();
  const int lo = -(1 << (b - 1)), hi = (1 << (b - 1)) - 1;
  for (size_t i = 0; i < weights.weight_count(); ++i) {
    const size_t n = weights.words_of(i);
    const int32_t* w = weights.begin_of(i);
    auto bad = [&](const std::string& why) {
      throw InputError("pack", "weight " + std::to_string(i), why);
    };
    if (n == 0) bad("a weight needs at least one word");
    if (static_cast<int>(n) > p.words_limit())
      bad(std::to_string(n) + " words exceed the limit of " + std::to_string(p.words_limit()) + " for " +
          to_string(p.format));
    if (p.format == Format::linear) {
      const int limit = (1 << p.stream_bits) - 1;
      if (std::abs(w[0]) > limit) bad("linear value " + std::to_string(w[0]) + " exceeds N bits");
      out.put((w[0] < 0 ? uint64_t{1} << p.stream_bits : 0) | static_cast<uint64_t>(std::abs(w[0])),
              p.stream_bits + 1);
      continue;
    }
    for (size_t k = 0; k < n; ++k) {
      if (w[k] < lo || w[k] > hi) bad("code " + std::to_string(w[k]) + " out of range for b = " + std::to_string(b));
      if (w[k] == M && p.format != Format::lq)
        bad(std::string("code M is reserved in ") + to_string(p.format));
      if (p.format == Format::tag) {
        out.put((k + 1 < n ? uint64_t{1} << b : 0) | low_bits(w[k], b), b + 1);
      } else {
        if (k > 0) out.put(low_bits(M, b), b);  // special: marker before each further word
        out.put(low_bits(w[k], b), b);
      }
    }
  }
  return out.finish();
}

uint64_t read_bits(const std::vector<uint64_t>& mem, int W, uint64_t offset, int width) {
  uint64_t value = 0;
  while (width > 0) {
    const uint64_t word = mem[offset / W];
    const int pos = static_cast<int>(offset % W);  // bits already passed in this word
    const int take = std::min(width, W - pos);
    const int shift = W - pos - take;
    value = (value << take) | ((word >> shift) & ((uint64_t{1} << take) - 1));
    width -= take;
    offset += take;
  }
  return value;
}

FieldDecoder::FieldDecoder(const CodeParams& p, uint64_t weight_count, std::string where)
    : p_(p), weight_count_(weight_count), where_(std::move(where)) {}

int32_t FieldDecoder::sign_extend(uint64_t raw, int bits) const {
  int64_t v = static_cast<int64_t>(raw & ((uint64_t{1} << bits) - 1));
  if (v >> (bits - 1)) v -= int64_t{1} << bits;
  return static_cast<int32_t>(v);
}

void FieldDecoder::fail(uint64_t bit_offset, const std::string& why) const {
  throw StreamError(where_, fields_, bit_offset, why);
}

bool FieldDecoder::complete() const {
  if (open_ || started_ < weight_count_) return false;
  return p_.format != Format::special || weight_count_ == 0 || words_in_weight_ >= p_.max_words;
}

bool FieldDecoder::may_continue() const {
  return p_.format == Format::special && !open_ && started_ == weight_count_ && weight_count_ > 0 &&
         words_in_weight_ < p_.max_words;
}

FieldEvent FieldDecoder::next(uint64_t raw, uint64_t bit_offset) {
  FieldEvent ev;
  const int b = p_.word_bits;
  auto start_weight = [&]() {
    ev.weight = started_++;
    ev.first = true;
    words_in_weight_ = 1;
  };
  auto continue_weight = [&]() {
    ev.weight = started_ - 1;
    if (++words_in_weight_ > p_.max_words)
      fail(bit_offset, "weight " + std::to_string(ev.weight) + " has more than L = " +
                           std::to_string(p_.max_words) + " words");
  };
  switch (p_.format) {
    case Format::tag: {
      ev.value = sign_extend(raw, b);
      if (ev.value == p_.marker()) fail(bit_offset, "code M (" + std::to_string(ev.value) + ") is invalid in tag");
      if (open_) continue_weight(); else start_weight();
      open_ = (raw >> b) & 1u;
      break;
    }
    case Format::special: {
      const int32_t v = sign_extend(raw, b);
      if (open_) {
        if (v == p_.marker()) fail(bit_offset, "marker M followed by another marker");
        ev.value = v;
        ev.weight = started_ - 1;
        open_ = false;
      } else if (v == p_.marker()) {
        if (started_ == 0) fail(bit_offset, "marker M before the first weight");
        continue_weight();  // counts the word the marker announces
        ev.kind = FieldEvent::marker;
        open_ = true;
        ++fields_;
        return ev;
      } else if (started_ == weight_count_) {
        ev.kind = FieldEvent::end;  // the peeked field is padding after the last weight
        ev.consumed = false;
        return ev;
      } else {
        ev.value = v;
        start_weight();
      }
      break;
    }
    case Format::lq:
      ev.value = sign_extend(raw, b);
      start_weight();
      break;
    case Format::linear: {
      const int64_t magnitude = static_cast<int64_t>(raw & ((uint64_t{1} << p_.stream_bits) - 1));
      ev.value = static_cast<int32_t>(((raw >> p_.stream_bits) & 1u) ? -magnitude : magnitude);
      start_weight();
      break;
    }
  }
  if (ev.weight >= weight_count_) fail(bit_offset, "more weights than the metadata's " + std::to_string(weight_count_));
  ev.kind = ev.value == 0 ? FieldEvent::zero : FieldEvent::term;
  ++fields_;
  return ev;
}

void FieldDecoder::finish(uint64_t bit_offset) const {
  if (complete() || may_continue()) return;
  if (open_)
    fail(bit_offset, p_.format == Format::tag ? "stream ends inside weight " + std::to_string(started_ - 1) +
                                                    " (tag bit set on its last word)"
                                              : "marker M with no following word");
  fail(bit_offset, "stream ends after " + std::to_string(started_) + " of " + std::to_string(weight_count_) +
                       " weights");
}

WeightWords decode_stream(const std::vector<uint64_t>& mem, uint64_t weight_count, const CodeParams& p,
                          const std::string& where) {
  p.validate(where);
  const int W = p.mem_word_bits;
  const uint64_t total = static_cast<uint64_t>(mem.size()) * W;
  for (size_t i = 0; i < mem.size(); ++i)
    if (W < 64 && (mem[i] >> W) != 0)
      throw InputError(where, "memory word " + std::to_string(i), "value wider than W = " + std::to_string(W) + " bits");
  FieldReader reader(p, weight_count, where);
  WeightWords out;
  // The weight count comes from a file: reserve only what the image can hold (a field a weight at
  // least), so a count of 2^64 - 1 is a stream that ends early, not an allocation of 2^64 words.
  const uint64_t fields_max = total / static_cast<uint64_t>(p.field_bits());
  out.words.reserve(static_cast<size_t>(std::min(weight_count, fields_max)));
  out.offsets.reserve(static_cast<size_t>(std::min(weight_count, fields_max)) + 1);
  size_t next_word = 0;
  while (!reader.complete()) {
    if (!reader.has_field()) {
      if (next_word == mem.size()) {
        reader.finish();
        break;
      }
      reader.push_word(mem[next_word++]);
      continue;
    }
    const FieldEvent ev = reader.take();
    if (ev.kind == FieldEvent::end) break;
    if (ev.kind == FieldEvent::marker) continue;
    if (ev.first) out.offsets.push_back(out.offsets.back());
    out.words.push_back(ev.value);
    ++out.offsets.back();
  }
  const uint64_t offset = reader.bit_offset();
  // Nothing may follow the stream but zero padding inside its last memory word.
  const uint64_t used_words = (offset + W - 1) / W;
  if (mem.size() > used_words)
    throw StreamError(where, reader.fields(), offset,
                      std::to_string(mem.size() - used_words) + " memory word(s) after the end of the stream");
  if (offset < total && read_bits(mem, W, offset, static_cast<int>(total - offset)) != 0)
    throw StreamError(where, reader.fields(), offset, "nonzero padding after the last weight");
  return out;
}

}  // namespace slq
