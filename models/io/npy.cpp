#include "models/io/npy.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "models/errors.h"

namespace slq {
namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr size_t kPreambleSize = kMagicSize + 2 + 2;  // magic, version, header length
constexpr size_t kAlignment = 64;

std::string shape_tuple(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");  // a 1-tuple needs its trailing comma in Python
}

void append_le32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += char((v >> (8 * i)) & 0xff);
}

}  // namespace

std::string npy_int32_bytes(const std::vector<int64_t>& shape, const std::vector<int32_t>& data) {
  // The product in unsigned arithmetic, saturated: a shape with a zero dimension holds no values
  // however large the others are (the reader accepts such shapes), and must not overflow.
  uint64_t count = 1;
  bool huge = false, empty = false;
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("npy: negative dimension");
    empty = empty || d == 0;
    huge = huge || __builtin_mul_overflow(count, uint64_t(d), &count);
  }
  if (empty) count = 0, huge = false;
  if (huge || count != data.size())
    throw std::invalid_argument("npy: shape " + shape_tuple(shape) + " needs " + std::to_string(count) +
                                " values, got " + std::to_string(data.size()));

  std::string header = "{'descr': '<i4', 'fortran_order': False, 'shape': " + shape_tuple(shape) + ", }";
  // Pad with spaces and end in '\n' so the data starts on a 64-byte boundary.
  size_t unpadded = kPreambleSize + header.size() + 1;
  header.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  header += '\n';
  if (header.size() > 0xffff) throw std::invalid_argument("npy: shape too long for a version 1.0 header");

  std::string out(kMagic, kMagicSize);
  out += char(1);  // version 1.0
  out += char(0);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  out += header;
  out.reserve(out.size() + data.size() * 4);
  for (int32_t v : data) append_le32(out, uint32_t(v));
  return out;
}

void write_npy_int32(const std::string& path, const std::vector<int64_t>& shape, const std::vector<int32_t>& data) {
  std::string bytes = npy_int32_bytes(shape, data);
  std::string temp = path + ".tmp";
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    if (!file) throw InputError(path, "", "cannot create the file");
    file.write(bytes.data(), std::streamsize(bytes.size()));
    if (!file.flush()) throw InputError(path, "", "write failed");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw InputError(path, "", "cannot rename the temporary file into place");
  }
}

std::vector<int32_t> read_npy_int32(const std::string& path, std::vector<int64_t>* shape) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError(path, "", "cannot open the file");
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() < kPreambleSize || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0)
    throw InputError(path, "byte 0", "not a NumPy .npy file");
  if (bytes[6] != 1 || bytes[7] != 0) throw InputError(path, "byte 6", "only .npy version 1.0 is supported");
  size_t header_size = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8;
  if (bytes.size() < kPreambleSize + header_size) throw InputError(path, "header", "file is truncated");
  std::string header = bytes.substr(kPreambleSize, header_size);
  if (header.find("'descr': '<i4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
    throw InputError(path, "header", "expected '<i4' data in C order");

  size_t open = header.find("'shape': (");
  size_t close = header.find(')', open);
  if (open == std::string::npos || close == std::string::npos) throw InputError(path, "header", "no shape");
  // The shape: non-negative decimal integers separated by commas (a trailing one allowed), each
  // checked, their product checked against overflow before the data size is computed from it.
  const std::string dims = header.substr(open + 10, close - open - 10);
  const size_t data_offset = kPreambleSize + header_size;
  const size_t data_bytes = bytes.size() - data_offset;
  shape->clear();
  size_t count = 1;
  bool overflow = false;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < dims.size() && dims[i] == ' ') ++i;
  };
  auto bad_shape = [&](const std::string& why) -> InputError {
    return InputError(path, "header", "shape (" + dims + "): " + why);
  };
  for (skip_spaces(); i < dims.size();) {
    if (!std::isdigit(static_cast<unsigned char>(dims[i]))) throw bad_shape("expected a non-negative integer");
    int64_t d = 0;
    for (; i < dims.size() && std::isdigit(static_cast<unsigned char>(dims[i])); ++i) {
      if (d > (INT64_MAX - 9) / 10) throw bad_shape("dimension too large");
      d = d * 10 + (dims[i] - '0');
    }
    shape->push_back(d);
    if (d != 0 && count > SIZE_MAX / static_cast<uint64_t>(d)) overflow = true;
    else count *= static_cast<size_t>(d);
    skip_spaces();
    if (i < dims.size()) {
      if (dims[i] != ',') throw bad_shape("expected ',' between dimensions");
      ++i;
      skip_spaces();
    }
  }
  if (shape->size() == 1 && dims.find(',') == std::string::npos) throw bad_shape("a 1-tuple needs its trailing comma");
  for (int64_t d : *shape)
    if (d == 0) overflow = false;  // no values, whatever the other dimensions say
  if (overflow || count > data_bytes / 4 || count * 4 != data_bytes)
    throw InputError(path, "byte " + std::to_string(data_offset),
                     overflow ? "the shape's size overflows"
                              : "expected " + std::to_string(count) + " values (" + std::to_string(count) +
                                    " x 4 data bytes), found " + std::to_string(data_bytes) + " data bytes");
  std::vector<int32_t> values(count);
  for (size_t i = 0; i < count; ++i) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + data_offset + 4 * i);
    values[i] = int32_t(uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24);
  }
  return values;
}

}  // namespace slq
