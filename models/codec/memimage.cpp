#include "models/codec/memimage.h"

#include <cctype>
#include <cfloat>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

namespace slq {

std::string sidecar_path(const std::string& hex_path) {
  const auto dot = hex_path.find_last_of('.');
  const auto slash = hex_path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return hex_path + ".json";
  return hex_path.substr(0, dot) + ".json";
}

std::string image_hex_text(const MemoryImage& image) {
  const int digits = (image.params.mem_word_bits + 3) / 4;
  std::ostringstream out;
  out << std::hex << std::setfill('0');
  for (uint64_t word : image.stream.mem) out << std::setw(digits) << word << '\n';
  return out.str();
}

std::string image_sidecar_text(const MemoryImage& image) {
  const CodeParams& p = image.params;
  nlohmann::ordered_json j;
  j["layer"] = image.layer;
  j["format"] = to_string(p.format);
  j["word_bits"] = p.word_bits;
  j["stream_bits"] = p.stream_bits;
  j["mem_word_bits"] = p.mem_word_bits;
  j["max_words"] = p.max_words;
  j["theta"] = p.theta;
  j["rounding"] = to_string(p.rounding);
  j["shape"] = image.shape;
  j["weight_count"] = image.weight_count;
  j["scale_exponents"] = image.scale_exponents;
  j["linear_step"] = image.linear_step;
  j["stream_bit_count"] = image.stream.bits;
  j["memory_words"] = image.stream.mem.size();
  return j.dump(2) + "\n";
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using nlohmann::json;

// Every key is read with its type and range checked, naming the key; nothing is converted
// silently (5.9 is no integer, 4294967301 no 32-bit one) and no library text reaches the user.
const json& value_of(const json& j, const char* key, const std::string& file) {
  if (!j.contains(key)) throw InputError(file, std::string("key '") + key + "'", "missing");
  return j.at(key);
}

// What a value is, for "got ...": a non-integer number is shown (5.9, or 1.8e+19 for an
// integer JSON cannot hold in 64 bits), other values by their type.
std::string json_type(const json& v) {
  if (v.is_number_float()) return v.dump();
  if (v.is_number()) return "a number";
  return std::string("a ") + v.type_name();
}

// An integer in [lo, hi]; `what` is the position ("key 'shape'" or "key 'shape', element 2").
int64_t integer_in(const json& v, const std::string& what, const std::string& file, int64_t lo, int64_t hi) {
  const std::string range =
      hi == INT64_MAX ? "of at least " + std::to_string(lo) : "in " + std::to_string(lo) + ".." + std::to_string(hi);
  if (!v.is_number_integer()) throw InputError(file, what, "must be an integer " + range + ", got " + json_type(v));
  bool in_range;
  if (v.is_number_unsigned()) {  // may exceed INT64_MAX
    const uint64_t u = v.get<uint64_t>();
    in_range = hi >= 0 && u <= static_cast<uint64_t>(hi) && (lo <= 0 || u >= static_cast<uint64_t>(lo));
  } else {
    const int64_t x = v.get<int64_t>();
    in_range = x >= lo && x <= hi;
  }
  if (!in_range) throw InputError(file, what, "must be an integer " + range + ", got " + v.dump());
  return v.get<int64_t>();
}

int get_int(const json& j, const char* key, const std::string& file, int lo, int hi) {
  return static_cast<int>(integer_in(value_of(j, key, file), std::string("key '") + key + "'", file, lo, hi));
}

// A non-negative integer (a count) up to 2^64 - 1.
uint64_t get_count(const json& j, const char* key, const std::string& file, uint64_t lo = 0) {
  const json& v = value_of(j, key, file);
  const std::string what = std::string("key '") + key + "'";
  const std::string range = "a whole number of at least " + std::to_string(lo);
  if (!v.is_number_integer()) throw InputError(file, what, "must be " + range + ", got " + json_type(v));
  if (!v.is_number_unsigned() || v.get<uint64_t>() < lo) throw InputError(file, what, "must be " + range + ", got " + v.dump());
  return v.get<uint64_t>();
}

// A number in [lo, hi] (hi itself excluded when hi_open); `range` says so in words.
double get_number(const json& j, const char* key, const std::string& file, double lo, double hi, bool hi_open,
                  const std::string& range) {
  const json& v = value_of(j, key, file);
  const std::string what = std::string("key '") + key + "'";
  if (!v.is_number()) throw InputError(file, what, "must be " + range + ", got " + json_type(v));
  const double x = v.get<double>();
  if (!(x >= lo) || x > hi || (hi_open && x == hi)) throw InputError(file, what, "must be " + range + ", got " + v.dump());
  return x;
}

std::string get_string(const json& j, const char* key, const std::string& file) {
  const json& v = value_of(j, key, file);
  if (!v.is_string()) throw InputError(file, std::string("key '") + key + "'", "must be a string, got " + json_type(v));
  return v.get<std::string>();
}

std::vector<int64_t> get_int_list(const json& j, const char* key, const std::string& file, int64_t lo, int64_t hi) {
  const json& v = value_of(j, key, file);
  const std::string what = std::string("key '") + key + "'";
  if (!v.is_array()) throw InputError(file, what, "must be a list of integers, got " + json_type(v));
  std::vector<int64_t> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(integer_in(v[i], what + ", element " + std::to_string(i), file, lo, hi));
  return out;
}

}  // namespace

MemoryImage read_image(const std::string& hex_path, uint64_t* sidecar_words) {
  MemoryImage image;
  const std::string side = sidecar_path(hex_path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(slurp(side));
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(side, "byte " + std::to_string(e.byte), "invalid JSON");
  } catch (const nlohmann::json::exception& e) {  // e.g. out_of_range.406 for 1e999: keep only its reason
    std::string reason = e.what();
    const auto tag_end = reason.find("] ");
    if (reason.rfind("[json.exception.", 0) == 0 && tag_end != std::string::npos) reason.erase(0, tag_end + 2);
    throw InputError(side, "", "invalid JSON: " + reason);
  }
  if (!j.is_object()) throw InputError(side, "", "sidecar must be a JSON object");
  CodeParams& p = image.params;
  image.layer = get_string(j, "layer", side);
  p.format = parse_format(get_string(j, "format", side), side + ": key 'format'");
  // The ranges are those of CodeParams::validate, checked here to name the key.
  p.word_bits = get_int(j, "word_bits", side, 2, 8);
  p.stream_bits = get_int(j, "stream_bits", side, 1, 16);
  p.mem_word_bits = get_int(j, "mem_word_bits", side, 1, 64);
  p.max_words = get_int(j, "max_words", side, 1, 16);
  p.theta = get_number(j, "theta", side, 0.0, 1.0, true, "a number in [0, 1)");
  p.rounding = parse_rounding(get_string(j, "rounding", side), side + ": key 'rounding'");
  p.validate(side);
  image.shape = get_int_list(j, "shape", side, 1, INT64_MAX);
  image.weight_count = get_count(j, "weight_count", side, 1);
  for (int64_t u : get_int_list(j, "scale_exponents", side, -1100, 1100)) image.scale_exponents.push_back(int(u));
  image.linear_step = get_number(j, "linear_step", side, 0.0, DBL_MAX, false, "a finite number of at least 0");
  image.stream.bits = get_count(j, "stream_bit_count", side);
  const uint64_t words = get_count(j, "memory_words", side);
  uint64_t product = 1;
  for (int64_t d : image.shape) {
    if (product > UINT64_MAX / static_cast<uint64_t>(d))
      throw InputError(side, "key 'shape'", "the product of the dimensions overflows 64 bits");
    product *= static_cast<uint64_t>(d);
  }
  if (!image.shape.empty() && product != image.weight_count)
    throw InputError(side, "key 'weight_count'", "does not match the shape's " + std::to_string(product));

  std::istringstream hex(slurp(hex_path));
  std::string line;
  const int W = p.mem_word_bits;
  uint64_t line_no = 1, extra_line = 0;  // extra_line: the line of the first word beyond `words`
  for (; std::getline(hex, line); ++line_no) {
    const auto comment = line.find("//");
    if (comment != std::string::npos) line.erase(comment);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t start = 0;
    while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
    if (start == line.size()) continue;
    uint64_t value = 0;
    int digits = 0;
    for (size_t i = start; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '_') continue;
      if (!std::isxdigit(static_cast<unsigned char>(c)))
        throw InputError(hex_path, "line " + std::to_string(line_no) + ", column " + std::to_string(i + 1),
                         std::string("not a hex digit: '") + c + "'");
      if (++digits > 16)
        throw InputError(hex_path, "line " + std::to_string(line_no), "word wider than W = " + std::to_string(W) + " bits");
      value = (value << 4) | static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                                                                                                 : std::tolower(c) - 'a' + 10);
    }
    if (W < 64 && (value >> W) != 0)
      throw InputError(hex_path, "line " + std::to_string(line_no), "word wider than W = " + std::to_string(W) + " bits");
    image.stream.mem.push_back(value);
    if (image.stream.mem.size() == words + 1) extra_line = line_no;
  }
  if (sidecar_words) *sidecar_words = words;
  // Too many words: point at the first extra one; too few: at the line after the last.
  if (image.stream.mem.size() != words && !sidecar_words)
    throw InputError(hex_path, "line " + std::to_string(extra_line ? extra_line : line_no),
                     "image has " + std::to_string(image.stream.mem.size()) + " words, sidecar says " +
                         std::to_string(words));
  return image;
}

}  // namespace slq
