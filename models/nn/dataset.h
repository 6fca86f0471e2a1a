// A set of labelled 8-bit images in memory (what the IDX reader, models/io/idx.h, loads).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace slq {

struct Dataset {
  std::string path;             // the images file, for messages
  int rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // size() * rows * cols, image after image, row-major
  std::vector<uint8_t> labels;  // one class 0..9 per image
  size_t size() const { return labels.size(); }
  const uint8_t* image(size_t i) const { return pixels.data() + i * size_t(rows) * size_t(cols); }
};

}  // namespace slq
