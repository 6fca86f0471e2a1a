// Fashion-MNIST IDX reader: the Debian data set, plain files and broken files.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "models/errors.h"
#include "models/io/idx.h"

namespace slq {
namespace {

// One private directory per process (ctest runs tests in parallel), removed at exit.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "slq_test_idx_XXXXXX";
    path = mkdtemp(pattern.data()) ? pattern : ::testing::TempDir();
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (path != ::testing::TempDir()) std::filesystem::remove_all(path, ignored);
  }
};

std::string make_temp_dir(const std::string& name) {
  static ScratchDir scratch;
  std::string dir = scratch.path + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::string be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
}

// Two 2x3 images with labels 4 and 9, as plain IDX bytes.
std::string tiny_images() { return be32(0x803) + be32(2) + be32(2) + be32(3) + "abcdefghijkl"; }
std::string tiny_labels() { return be32(0x801) + be32(2) + std::string{4, 9}; }

void expect_input_error(const std::string& dir, const std::string& reason) {
  try {
    load_fashion_mnist(dir, false);
    FAIL() << "no error for " << dir;
  } catch (const InputError& e) {
    EXPECT_NE(e.where().find(dir), std::string::npos) << e.what();
    EXPECT_NE(e.reason().find(reason), std::string::npos) << e.what();
  }
}

TEST(IdxReader, ReadsDebianTestSet) {
  Dataset data = load_fashion_mnist(kFashionMnistDir, false);
  ASSERT_EQ(data.size(), 10000u);
  EXPECT_EQ(data.rows, 28);
  EXPECT_EQ(data.cols, 28);
  EXPECT_EQ(data.pixels.size(), 10000u * 28 * 28);
  EXPECT_EQ(*std::max_element(data.labels.begin(), data.labels.end()), 9);
  EXPECT_EQ(*std::min_element(data.labels.begin(), data.labels.end()), 0);
  for (int label = 0; label < 10; ++label)  // the test set is balanced
    EXPECT_EQ(std::count(data.labels.begin(), data.labels.end(), label), 1000);
  EXPECT_EQ(data.labels[0], 9);  // the first test image is an ankle boot
  const uint8_t* first = data.image(0);
  EXPECT_GT(*std::max_element(first, first + 28 * 28), 200);
}

TEST(IdxReader, MaxImagesLimitsTheRead) {
  Dataset data = load_fashion_mnist(kFashionMnistDir, true, 5);
  EXPECT_EQ(data.size(), 5u);
  EXPECT_EQ(data.pixels.size(), 5u * 28 * 28);
  EXPECT_EQ(data.image(4), data.pixels.data() + 4 * 28 * 28);
}

TEST(IdxReader, ReadsPlainAndGzipFiles) {
  std::string dir = make_temp_dir("plain");
  write_file(dir + "/t10k-images-idx3-ubyte", tiny_images());
  write_gz(dir + "/t10k-labels-idx1-ubyte.gz", tiny_labels());
  Dataset data = load_fashion_mnist(dir, false);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data.rows, 2);
  EXPECT_EQ(data.cols, 3);
  EXPECT_EQ(data.labels, (std::vector<uint8_t>{4, 9}));
  EXPECT_EQ(data.image(1)[0], 'g');
}

TEST(IdxReader, MissingDirectoryNamesTheDebianPackage) {
  expect_input_error(make_temp_dir("empty") + "/no_such_dir", "dataset-fashion-mnist");
}

TEST(IdxReader, TruncatedImagesFile) {
  std::string dir = make_temp_dir("truncated");
  write_gz(dir + "/t10k-images-idx3-ubyte.gz", tiny_images().substr(0, 16 + 9));
  write_gz(dir + "/t10k-labels-idx1-ubyte.gz", tiny_labels());
  expect_input_error(dir, "truncated");

  // A gzip stream cut short is reported too, not read as a shorter file.
  std::string gz_dir = make_temp_dir("truncated_gz");
  write_gz(gz_dir + "/t10k-labels-idx1-ubyte.gz", tiny_labels());
  std::string real = std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz";
  std::ifstream in(real, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_GT(bytes.size(), 1000u);
  write_file(gz_dir + "/t10k-images-idx3-ubyte.gz", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(load_fashion_mnist(gz_dir, false), InputError);
}

TEST(IdxReader, BadMagicAndCountMismatch) {
  std::string dir = make_temp_dir("magic");
  write_file(dir + "/t10k-images-idx3-ubyte", tiny_labels());  // a label file where images belong
  write_file(dir + "/t10k-labels-idx1-ubyte", tiny_labels());
  expect_input_error(dir, "bad magic");

  std::string counts = make_temp_dir("counts");
  write_file(counts + "/t10k-images-idx3-ubyte", tiny_images());
  write_file(counts + "/t10k-labels-idx1-ubyte", be32(0x801) + be32(3) + std::string{1, 2, 3});
  expect_input_error(counts, "3 labels for 2 images");
}

}  // namespace
}  // namespace slq
