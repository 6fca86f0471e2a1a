// Shared by the fuzz targets (docs/fuzzing.md): a private scratch directory for parsers that
// read files, the bytes-to-file helper, and the contract every target asserts: the input is
// accepted, or rejected with slq::InputError. Any other exception is a finding (abort, so
// libFuzzer saves the input); a crash or a sanitizer report is one by itself.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <typeinfo>

#include "models/errors.h"

namespace slq::fuzz {

// /tmp/slq_fuzz_<target>_XXXXXX, one per process (libFuzzer's -fork/-jobs run several), removed
// at exit.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string pattern = "/tmp/slq_fuzz_XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("mkdtemp");
      std::abort();
    }
    return pattern;
  }();
  static const struct Remover {
    ~Remover() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } remover;
  return dir;
}

// Writes `size` bytes to scratch_dir()/name and returns the path.
inline std::string write_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}
inline std::string write_file(const std::string& name, const std::string& bytes) {
  return write_file(name, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

[[noreturn]] inline void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "==slq-fuzz== CONTRACT VIOLATED: %s: %s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

// A fuzz-found oracle failure (not an exception): the target's own check.
#define SLQ_FUZZ_CHECK(cond, detail)                                     \
  do {                                                                   \
    if (!(cond)) ::slq::fuzz::violated("check failed: " #cond, detail); \
  } while (0)

// Runs body(); returns true when it returned, false when it threw InputError (with a reason).
// Anything else it throws is a finding.
template <class F>
bool accepted(F&& body) {
  try {
    body();
    return true;
  } catch (const InputError& e) {
    if (e.reason().empty()) violated("InputError with no reason", e.what());
    return false;
  } catch (const std::exception& e) {
    violated(typeid(e).name(), e.what());
  } catch (...) {
    violated("unknown exception", "(not a std::exception)");
  }
}

// Little-endian reads from the front of a fuzz input; past the end they read 0.
struct Bytes {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  uint8_t u8() { return pos < size ? data[pos++] : 0; }
  uint64_t le(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(u8()) << (8 * i);
    return v;
  }
  size_t left() const { return size - pos; }
  const uint8_t* rest() const { return data + pos; }
};

}  // namespace slq::fuzz
