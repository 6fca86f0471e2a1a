// NumPy .npy writer: header layout and round trip.
#include <gtest/gtest.h>

#include <cstdio>
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

}  // namespace
}  // namespace slq
