// NumPy .npy writer: header layout and round trip.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>
#include <unistd.h>

#include "models/errors.h"
#include "models/io/npy.h"

namespace slq {
namespace {

TEST(Npy, HeaderFormat) {
  std::string bytes = npy_int32_bytes({2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(bytes[6], 1);  // version 1.0
  EXPECT_EQ(bytes[7], 0);
  size_t header_len = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8;
  EXPECT_EQ((10 + header_len) % 64, 0u);
  std::string header = bytes.substr(10, header_len);
  EXPECT_EQ(header.rfind("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(bytes.size(), 10 + header_len + 6 * 4);
  // Little-endian int32 data after the header.
  EXPECT_EQ(bytes.substr(10 + header_len, 8), std::string("\x01\x00\x00\x00\x02\x00\x00\x00", 8));
}

TEST(Npy, OneDimensionalShapeHasTrailingComma) {
  std::string bytes = npy_int32_bytes({4}, {0, 0, 0, 0});
  EXPECT_NE(bytes.find("'shape': (4,)"), std::string::npos);
}

TEST(Npy, WrongDataSizeIsRejected) {
  EXPECT_THROW(npy_int32_bytes({2, 2}, {1, 2, 3}), std::invalid_argument);
}

TEST(Npy, RoundTrip) {
  std::string path = ::testing::TempDir() + "slq_test_npy_" + std::to_string(getpid()) + ".npy";
  std::vector<int32_t> data;
  for (int i = 0; i < 3 * 4 * 5; ++i) data.push_back(i % 2 ? -i * 1000003 : i);
  data[0] = INT32_MIN;
  data[1] = INT32_MAX;
  write_npy_int32(path, {3, 4, 5}, data);
  std::vector<int64_t> shape;
  EXPECT_EQ(read_npy_int32(path, &shape), data);
  EXPECT_EQ(shape, (std::vector<int64_t>{3, 4, 5}));
  std::remove(path.c_str());
}

TEST(Npy, UnwritablePathIsInputError) {
  EXPECT_THROW(write_npy_int32("/nonexistent_dir/x.npy", {1}, {1}), InputError);
}

// A version 1.0 file with the given shape text and data bytes (the header padded as numpy pads it).
std::string npy_file(const std::string& shape_text, const std::string& data) {
  std::string header = "{'descr': '<i4', 'fortran_order': False, 'shape': " + shape_text + ", }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  return out + header + data;
}

std::vector<int32_t> read_text(const std::string& bytes, std::vector<int64_t>* shape) {
  const std::string path = ::testing::TempDir() + "slq_test_npy_hostile_" + std::to_string(getpid()) + ".npy";
  {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
  }
  struct Remove {
    std::string p;
    ~Remove() { std::remove(p.c_str()); }
  } remove{path};
  return read_npy_int32(path, shape);
}

void expect_rejected(const std::string& shape_text, const std::string& data, const std::string& reason) {
  SCOPED_TRACE(shape_text);
  std::vector<int64_t> shape;
  try {
    read_text(npy_file(shape_text, data), &shape);
    FAIL() << "accepted, shape of " << shape.size();
  } catch (const InputError& e) {
    EXPECT_NE(e.reason().find(reason), std::string::npos) << e.what();
  }
}

// Found by fuzz/fuzz_npy's oracle and by review: the shape was read with operator>> into size_t,
// so negative dimensions were accepted (-1 x -1 = 1 value), a product that wraps to 0 modulo
// 2^64 allocated 2^62 values (std::length_error, not an input error), and anything after a
// malformed dimension was silently dropped.
TEST(NpyHostile, ShapeIsCheckedBeforeItSizesAnything) {
  const std::string four(4, '\1');
  expect_rejected("(-1, -1)", four, "non-negative integer");
  expect_rejected("(0, -5)", "", "non-negative integer");
  expect_rejected("(4611686018427387904,)", "", "expected 4611686018427387904 values");
  expect_rejected("(4294967296, 4294967296)", "", "overflows");
  expect_rejected("(99999999999999999999,)", "", "too large");
  expect_rejected("(1, x1)", four, "non-negative integer");
  expect_rejected("(1 1)", four, "expected ','");
  expect_rejected("(1,,)", four, "non-negative integer");
  expect_rejected("(1)", four, "trailing comma");
  expect_rejected("(2,)", four, "expected 2 values");
}

TEST(NpyHostile, ZeroSizedAndScalarShapesAreRead) {
  std::vector<int64_t> shape;
  EXPECT_TRUE(read_text(npy_file("(4294967296, 4294967296, 0)", ""), &shape).empty());
  EXPECT_EQ(shape, (std::vector<int64_t>{4294967296, 4294967296, 0}));
  EXPECT_EQ(read_text(npy_file("()", std::string("\x07\0\0\0", 4)), &shape), std::vector<int32_t>{7});
  EXPECT_TRUE(shape.empty());
  EXPECT_EQ(read_text(npy_file("( 1 , 2 )", std::string(8, '\0')), &shape).size(), 2u);
  EXPECT_EQ(shape, (std::vector<int64_t>{1, 2}));
}

}  // namespace
}  // namespace slq

// Found by bench/fuzz_bench.sh (fuzz_npy, 56 s in): the reader accepts a shape with a zero
// dimension whatever the others are, and the writer then multiplied the dimensions in int64,
// overflowing (undefined behaviour). It now writes such a shape back, and refuses a product
// that overflows instead of wrapping it.
TEST(NpyHostile, WriterSizesHugeShapesWithoutOverflow) {
  const std::vector<int64_t> zero{418, int64_t(1) << 62, 7, 0, 6};
  const std::string bytes = slq::npy_int32_bytes(zero, {});
  EXPECT_NE(bytes.find("(418, 4611686018427387904, 7, 0, 6)"), std::string::npos);
  const std::vector<int64_t> wraps{int64_t(1) << 32, int64_t(1) << 32};  // 2^64 values: wraps to 0
  EXPECT_THROW(slq::npy_int32_bytes(wraps, {}), std::invalid_argument);
}
