// Reader for the Fashion-MNIST IDX files (gzip-compressed or plain), as shipped by the Debian
// package dataset-fashion-mnist.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/nn/dataset.h"

namespace slq {

inline const char* const kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Reads the first max_images images of the training (train-*) or test (t10k-*) split from dir.
// Each file may be "<name>.gz" or plain "<name>". Throws InputError on a missing file, a bad
// magic number, truncated data or image and label files that disagree.
Dataset load_fashion_mnist(const std::string& dir = kFashionMnistDir, bool train = false,
                           size_t max_images = SIZE_MAX);

}  // namespace slq
