// NumPy .npy (format version 1.0) files of int32 values, C order, little-endian ('<i4').
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace slq {

// The complete file contents; the header is padded so the data starts at a multiple of 64 bytes.
// Throws std::invalid_argument when data.size() is not the product of shape.
std::string npy_int32_bytes(const std::vector<int64_t>& shape, const std::vector<int32_t>& data);

// Writes npy_int32_bytes(shape, data) to path via a temporary file and a rename, so readers
// never see a half-written file. Throws InputError when the file cannot be written.
void write_npy_int32(const std::string& path, const std::vector<int64_t>& shape, const std::vector<int32_t>& data);

// Reads a file written by write_npy_int32 (version 1.0, '<i4', C order); returns the values and
// stores the shape in *shape. Throws InputError on anything else.
std::vector<int32_t> read_npy_int32(const std::string& path, std::vector<int64_t>* shape);

}  // namespace slq
