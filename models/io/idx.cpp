#include "models/io/idx.h"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <sys/stat.h>

#include "models/errors.h"

namespace slq {
namespace {

constexpr uint32_t kLabelMagic = 0x00000801;  // unsigned byte, 1 dimension
constexpr uint32_t kImageMagic = 0x00000803;  // unsigned byte, 3 dimensions

bool file_exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// Sequential reader; zlib reads plain files transparently, so one class serves both.
class IdxFile {
 public:
  explicit IdxFile(const std::string& dir, const std::string& name) {
    path_ = dir + "/" + name + ".gz";
    if (!file_exists(path_)) path_ = dir + "/" + name;
    if (!file_exists(path_))
      throw InputError(dir + "/" + name + ".gz", "",
                       "file not found; install the Debian package dataset-fashion-mnist or pass the data set directory");
    file_.reset(gzopen(path_.c_str(), "rb"));
    if (!file_) throw InputError(path_, "", "cannot open file");
  }
  const std::string& path() const { return path_; }

  uint32_t read_u32_be(const std::string& what) {
    uint8_t b[4];
    read(b, 4, what);
    return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
  }

  // Reads exactly n bytes; fails with the byte offset when the file ends early or is corrupt.
  void read(uint8_t* out, size_t n, const std::string& what) {
    size_t done = 0;
    while (done < n) {
      unsigned chunk = unsigned(std::min<size_t>(n - done, 1u << 20));
      int got = gzread(file_.get(), out + done, chunk);
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(file_.get(), &code);
        throw InputError(path_, "byte " + std::to_string(offset_ + done), std::string("corrupt data: ") + message);
      }
      if (got == 0)
        throw InputError(path_, "byte " + std::to_string(offset_ + done),
                         "file is truncated while reading " + what);
      done += size_t(got);
    }
    offset_ += n;
  }

 private:
  struct Closer {
    void operator()(gzFile f) const { gzclose(f); }
  };
  std::string path_;
  std::unique_ptr<gzFile_s, Closer> file_;
  size_t offset_ = 0;
};

}  // namespace

Dataset load_fashion_mnist(const std::string& dir, bool train, size_t max_images) {
  std::string prefix = train ? "train" : "t10k";
  IdxFile images(dir, prefix + "-images-idx3-ubyte");
  IdxFile labels(dir, prefix + "-labels-idx1-ubyte");

  if (images.read_u32_be("the header") != kImageMagic)
    throw InputError(images.path(), "header", "bad magic number; expected an IDX image file (0x00000803)");
  if (labels.read_u32_be("the header") != kLabelMagic)
    throw InputError(labels.path(), "header", "bad magic number; expected an IDX label file (0x00000801)");
  uint32_t image_count = images.read_u32_be("the header");
  uint32_t rows = images.read_u32_be("the header");
  uint32_t cols = images.read_u32_be("the header");
  uint32_t label_count = labels.read_u32_be("the header");
  if (rows < 1 || cols < 1 || rows > 4096 || cols > 4096)
    throw InputError(images.path(), "header", "implausible image size " + std::to_string(rows) + "x" + std::to_string(cols));
  if (image_count != label_count)
    throw InputError(labels.path(), "header", std::to_string(label_count) + " labels for " +
                                                  std::to_string(image_count) + " images in " + images.path());

  size_t count = std::min<size_t>(image_count, max_images);
  Dataset data;
  data.path = images.path();
  data.rows = int(rows);
  data.cols = int(cols);
  // Grow image by image (not from the header's count) so a corrupt header cannot exhaust memory.
  size_t image_bytes = size_t(rows) * cols;
  for (size_t i = 0; i < count; ++i) {
    data.pixels.resize((i + 1) * image_bytes);
    images.read(data.pixels.data() + i * image_bytes, image_bytes, "image " + std::to_string(i));
  }
  data.labels.resize(count);
  labels.read(data.labels.data(), count, "the labels");
  for (size_t i = 0; i < count; ++i)
    if (data.labels[i] > 9)
      throw InputError(labels.path(), "label " + std::to_string(i),
                       "class " + std::to_string(data.labels[i]) + " is outside 0..9");
  return data;
}

}  // namespace slq
