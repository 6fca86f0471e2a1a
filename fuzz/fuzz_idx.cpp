// Fuzz target: IDX readers (models/io/idx.h load_fashion_mnist). The input is split into the
// images file and the labels file: a 2-byte little-endian length of the images file, then its
// bytes, then the labels file. Either may be gzip-compressed (zlib reads both transparently).
// Oracle: accepted, or InputError; an accepted data set has one label (0..9) per image and
// rows x cols pixels per image.
#include "fuzz/fuzz_util.h"
#include "models/io/idx.h"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slq;
  fuzz::Bytes in{data, size};
  const size_t image_bytes = std::min<size_t>(in.le(2), in.left());
  fuzz::write_file("t10k-images-idx3-ubyte", in.rest(), image_bytes);
  fuzz::write_file("t10k-labels-idx1-ubyte", in.rest() + image_bytes, in.left() - image_bytes);
  Dataset d;
  if (!fuzz::accepted([&] { d = load_fashion_mnist(fuzz::scratch_dir(), false); })) return 0;
  SLQ_FUZZ_CHECK(d.rows >= 1 && d.cols >= 1, "empty image size accepted");
  SLQ_FUZZ_CHECK(d.labels.size() == d.size(), "labels and images differ");
  SLQ_FUZZ_CHECK(d.pixels.size() == d.size() * size_t(d.rows) * size_t(d.cols), "pixel count");
  for (uint8_t l : d.labels) SLQ_FUZZ_CHECK(l <= 9, "label outside 0..9");
  return 0;
}
