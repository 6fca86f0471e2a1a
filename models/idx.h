// Reader for the Fashion-MNIST IDX files (gzip-compressed or plain), as shipped by the Debian
// package dataset-fashion-mnist.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace slq {

inline const char* const kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct Dataset {
  std::string path;             // the images file, for messages
  int rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // size() * rows * cols, image after image, row-major
  std::vector<uint8_t> labels;  // one class 0..9 per image
  size_t size() const { return labels.size(); }
  const uint8_t* image(size_t i) const { return pixels.data() + i * size_t(rows) * size_t(cols); }
};

// Reads the first max_images images of the training (train-*) or test (t10k-*) split from dir.
// Each file may be "<name>.gz" or plain "<name>". Throws InputError on a missing file, a bad
// magic number, truncated data or image and label files that disagree.
Dataset load_fashion_mnist(const std::string& dir = kFashionMnistDir, bool train = false,
                           size_t max_images = SIZE_MAX);

}  // namespace slq
