// Fuzz target: NumPy .npy reader (models/io/npy.h read_npy_int32). The input is the file.
// Oracle: accepted, or InputError; an accepted file has as many values as its shape says, and
// writing them back and reading again gives the same shape and values.
#include "fuzz/fuzz_util.h"
#include "models/io/npy.h"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slq;
  const std::string path = fuzz::write_file("in.npy", data, size);
  std::vector<int64_t> shape;
  std::vector<int32_t> values;
  if (!fuzz::accepted([&] { values = read_npy_int32(path, &shape); })) return 0;
  uint64_t count = 1;
  for (int64_t d : shape) {
    SLQ_FUZZ_CHECK(d >= 0, "negative dimension accepted");
    count *= uint64_t(d);
  }
  SLQ_FUZZ_CHECK(count == values.size(), "shape and value count differ");
  std::vector<int64_t> shape2;
  std::vector<int32_t> values2;
  const std::string again = fuzz::write_file("again.npy", npy_int32_bytes(shape, values));
  SLQ_FUZZ_CHECK(fuzz::accepted([&] { values2 = read_npy_int32(again, &shape2); }), "own output rejected");
  SLQ_FUZZ_CHECK(shape2 == shape && values2 == values, "round trip differs");
  return 0;
}
