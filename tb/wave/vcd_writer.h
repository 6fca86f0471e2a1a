// slqsim's VCD writer: an sc_trace_file, so every block's sc_trace() calls stay as they are, but
// built for a simulator that changes a handful of signals a cycle (docs/performance.md):
// - values are compared as integers and only the changed ones are formatted, straight into a
//   buffer written in large blocks (SystemC's writer formats through strings and stdio calls);
// - the reference clock and cycle number are written by the writer itself, not driven by a clock
//   process: no kernel activation and no extra time step per half cycle.
// The file reads like SystemC's own VCD (scope SystemC, one scope per dotted name part, ids
// "aaaaa", "aaaab", ...), has no wall-clock date, and is the same for the same simulation.
#pragma once
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

namespace slq::tb {

class VcdWriter : public sc_core::sc_trace_file {
 public:
  struct ClockOptions {
    bool enabled = true;
    uint64_t period_ps = 1000;
    uint64_t from = 0, to = UINT64_MAX;  // cycles with a reference clock edge and cycle number
  };
  // Opens `path` (throws InputError when it cannot) and registers with the kernel; signals are
  // added with sc_trace() before the simulation starts.
  VcdWriter(const std::string& path, ClockOptions clock);
  ~VcdWriter() override;
  // Writes what is pending and the reference clock up to the current time, closes the file and
  // unregisters. Called once, after the simulation; the destructor calls it otherwise.
  void close();

  // sc_trace_file: integers and bools are supported; other types throw std::logic_error.
  void trace(const bool& object, const std::string& name) override;
  void trace(const unsigned char& object, const std::string& name, int width) override;
  void trace(const unsigned short& object, const std::string& name, int width) override;
  void trace(const unsigned int& object, const std::string& name, int width) override;
  void trace(const unsigned long& object, const std::string& name, int width) override;
  void trace(const char& object, const std::string& name, int width) override;
  void trace(const short& object, const std::string& name, int width) override;
  void trace(const int& object, const std::string& name, int width) override;
  void trace(const long& object, const std::string& name, int width) override;
  void trace(const sc_dt::int64& object, const std::string& name, int width) override;
  void trace(const sc_dt::uint64& object, const std::string& name, int width) override;
  void trace(const sc_core::sc_event& object, const std::string& name) override;
  void trace(const sc_core::sc_time& object, const std::string& name) override;
  void trace(const sc_dt::sc_bit& object, const std::string& name) override;
  void trace(const sc_dt::sc_logic& object, const std::string& name) override;
  void trace(const float& object, const std::string& name) override;
  void trace(const double& object, const std::string& name) override;
  void trace(const sc_dt::sc_int_base& object, const std::string& name) override;
  void trace(const sc_dt::sc_uint_base& object, const std::string& name) override;
  void trace(const sc_dt::sc_signed& object, const std::string& name) override;
  void trace(const sc_dt::sc_unsigned& object, const std::string& name) override;
  void trace(const sc_dt::sc_fxval& object, const std::string& name) override;
  void trace(const sc_dt::sc_fxval_fast& object, const std::string& name) override;
  void trace(const sc_dt::sc_fxnum& object, const std::string& name) override;
  void trace(const sc_dt::sc_fxnum_fast& object, const std::string& name) override;
  void trace(const sc_dt::sc_bv_base& object, const std::string& name) override;
  void trace(const sc_dt::sc_lv_base& object, const std::string& name) override;
  void trace(const unsigned int& object, const std::string& name, const char** enum_literals) override;
  void write_comment(const std::string& comment) override;
  void set_time_unit(double v, sc_core::sc_time_unit tu) override;

 protected:
  void cycle(bool delta_cycle) override;

 private:
  enum class Kind : uint8_t { boolean, u8, u16, u32, u64, s8, s16, s32, s64 };
  struct Probe {
    const void* value;
    Kind kind;
    int width;
    std::string name;  // dotted path below the top scope
    std::string id;
  };
  static constexpr size_t kKinds = 9;
  template <class T>
  void add(const T& object, const std::string& name, int width, Kind kind);
  [[noreturn]] void unsupported(const std::string& name, const char* type) const;
  template <class T>
  void sample_kind(size_t begin, size_t end, uint64_t units, bool all);
  char* reserve(size_t n) {  // room for n more bytes at out_.data() + used_
    if (out_.size() - used_ < n) grow(n);
    return out_.data() + used_;
  }
  std::string next_id();
  void write_header();
  void write_value(uint64_t bits, int width, const char* id);  // id: kIdChars characters
  void put(const char* text, size_t n) {
    if (out_.size() - used_ < n) grow(n);
    std::memcpy(out_.data() + used_, text, n);
    used_ += n;
  }
  void put(const std::string& text) { put(text.data(), text.size()); }
  void put(char c) { put(&c, 1); }
  void grow(size_t n);
  uint64_t now_units() const;
  void write_time(uint64_t units) {
    if (!time_written_ || units != last_time_) write_new_time(units);
  }
  void write_new_time(uint64_t units);
  // The reference clock's edges (half periods) before `units`, then at `units` if one falls there.
  void clock_edges_before(uint64_t units);
  bool clock_edge_at(uint64_t units);
  void sample(uint64_t units, bool all = false);
  void flush(bool force);

  std::string path_;
  std::FILE* file_ = nullptr;
  ClockOptions clock_;
  std::vector<Probe> probes_;
  // The hot arrays, probes grouped by kind: kind k is [kind_begin_[k], kind_begin_[k + 1]).
  size_t kind_begin_[kKinds + 1] = {};
  std::vector<const void*> hot_values_;
  std::vector<uint64_t> hot_masks_;  // the width's bits
  std::vector<uint64_t> hot_last_;   // the value last written, as width-bit two's complement
  std::vector<int> hot_widths_;
  std::vector<std::array<char, 8>> hot_ids_;
  std::vector<std::string> comments_;
  uint64_t id_counter_ = 0;
  std::string clk_id_, cycle_id_;
  double unit_ps_ = 100;
  uint64_t half_units_ = 5;  // half a clock period in time units
  bool started_ = false;
  uint64_t last_time_ = 0;  // of the last #time written
  char time_digits_[24] = {'0'};  // last_time_ in decimal
  int time_length_ = 1;
  bool time_written_ = false;
  uint64_t next_half_ = 0;  // the next clock edge to write, in half periods
  std::vector<char> out_;   // text not yet written to the file: out_[0 .. used_)
  size_t used_ = 0;
  uint64_t resolution_per_unit_ = 100;  // kernel time resolution steps per time unit
};

}  // namespace slq::tb
