#include "models/memimage.h"

#include <cctype>
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

template <typename T>
T get(const nlohmann::json& j, const char* key, const std::string& file) {
  if (!j.contains(key)) throw InputError(file, std::string("key '") + key + "'", "missing");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file, std::string("key '") + key + "'", std::string("wrong type: ") + e.what());
  }
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
  }
  if (!j.is_object()) throw InputError(side, "", "sidecar must be a JSON object");
  CodeParams& p = image.params;
  image.layer = get<std::string>(j, "layer", side);
  p.format = parse_format(get<std::string>(j, "format", side), side + ": key 'format'");
  p.word_bits = get<int>(j, "word_bits", side);
  p.stream_bits = get<int>(j, "stream_bits", side);
  p.mem_word_bits = get<int>(j, "mem_word_bits", side);
  p.max_words = get<int>(j, "max_words", side);
  p.theta = get<double>(j, "theta", side);
  p.rounding = parse_rounding(get<std::string>(j, "rounding", side), side + ": key 'rounding'");
  p.validate(side);
  image.shape = get<std::vector<int64_t>>(j, "shape", side);
  image.weight_count = get<uint64_t>(j, "weight_count", side);
  image.scale_exponents = get<std::vector<int>>(j, "scale_exponents", side);
  image.linear_step = get<double>(j, "linear_step", side);
  image.stream.bits = get<uint64_t>(j, "stream_bit_count", side);
  const uint64_t words = get<uint64_t>(j, "memory_words", side);
  uint64_t product = 1;
  for (int64_t d : image.shape) {
    if (d <= 0) throw InputError(side, "key 'shape'", "dimensions must be positive");
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
