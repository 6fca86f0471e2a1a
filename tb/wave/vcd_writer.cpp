#include "tb/wave/vcd_writer.h"

#include <cmath>
#include <functional>
#include <stdexcept>

#include "models/errors.h"

namespace slq::tb {

namespace {
constexpr size_t kFlushBytes = 1 << 20;
constexpr size_t kIdChars = 5;  // ids aaaaa .. zzzzz
constexpr char kNibbles[16][5] = {"0000", "0001", "0010", "0011", "0100", "0101", "0110", "0111",
                                  "1000", "1001", "1010", "1011", "1100", "1101", "1110", "1111"};

uint64_t mask_of(int width) { return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1; }

double unit_in_ps(double v, sc_core::sc_time_unit tu) {
  switch (tu) {
    case sc_core::SC_FS: return v * 1e-3;
    case sc_core::SC_PS: return v;
    case sc_core::SC_NS: return v * 1e3;
    case sc_core::SC_US: return v * 1e6;
    case sc_core::SC_MS: return v * 1e9;
    default: return v * 1e12;
  }
}

const char* unit_text(double ps, double* number) {
  // VCD wants 1, 10 or 100 of a unit.
  static const struct { double ps; const char* name; } units[] = {{1e12, "s"}, {1e9, "ms"}, {1e6, "us"}, {1e3, "ns"}, {1, "ps"}, {1e-3, "fs"}};
  for (const auto& u : units)
    if (ps >= u.ps) {
      *number = std::round(ps / u.ps);
      return u.name;
    }
  *number = std::round(ps * 1e3);
  return "fs";
}
}  // namespace

VcdWriter::VcdWriter(const std::string& path, ClockOptions clock) : path_(path), clock_(clock) {
  if (clock_.period_ps == 0) throw std::logic_error("VCD: the clock period must be positive");
  // The time unit: the largest power of ten picoseconds that divides half a period (100 ps at
  // 1 GHz), so that the reference clock's falling edges fall on whole units.
  double unit = 1;
  if (clock_.period_ps % 2 == 0)
    while (unit < 1e6 && (clock_.period_ps / 2) % static_cast<uint64_t>(unit * 10) == 0) unit *= 10;
  set_time_unit(unit, sc_core::SC_PS);
  if (clock_.enabled) {
    clk_id_ = next_id();
    cycle_id_ = next_id();
  }
  // A window that starts beyond any reachable cycle has no clock edge at all.
  next_half_ = clock_.from > UINT64_MAX / 4 ? UINT64_MAX : clock_.from * 2;
  out_.resize(kFlushBytes + 4096);
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw InputError(path, "", "cannot create the VCD file");
  sc_core::sc_get_curr_simcontext()->add_trace_file(this);
}

VcdWriter::~VcdWriter() {
  try {
    close();
  } catch (const std::exception&) {  // a destructor must not throw; close() reports it when called
  }
}

std::string VcdWriter::next_id() {
  // aaaaa, aaaab, ... as SystemC's writer names them.
  if (id_counter_ >= 26ull * 26 * 26 * 26 * 26) throw std::logic_error("VCD: too many signals");
  std::string id(kIdChars, 'a');
  uint64_t n = id_counter_++;
  for (int i = 4; i >= 0 && n > 0; --i, n /= 26) id[static_cast<size_t>(i)] = static_cast<char>('a' + n % 26);
  return id;
}

template <class T>
void VcdWriter::add(const T& object, const std::string& name, int width, Kind kind) {
  if (started_) throw std::logic_error("VCD: signal '" + name + "' traced after the simulation started");
  if (width < 1 || width > 64) width = static_cast<int>(8 * sizeof(T));
  probes_.push_back(Probe{&object, kind, width, name, next_id()});
}

void VcdWriter::unsupported(const std::string& name, const char* type) const {
  throw std::logic_error(std::string("VCD: cannot trace '") + name + "': " + type + " is not supported by slqsim's writer");
}

void VcdWriter::trace(const bool& o, const std::string& n) { add(o, n, 1, Kind::boolean); }
void VcdWriter::trace(const unsigned char& o, const std::string& n, int w) { add(o, n, w, Kind::u8); }
void VcdWriter::trace(const unsigned short& o, const std::string& n, int w) { add(o, n, w, Kind::u16); }
void VcdWriter::trace(const unsigned int& o, const std::string& n, int w) { add(o, n, w, Kind::u32); }
void VcdWriter::trace(const unsigned long& o, const std::string& n, int w) { add(o, n, w, Kind::u64); }
void VcdWriter::trace(const char& o, const std::string& n, int w) { add(o, n, w, Kind::s8); }
void VcdWriter::trace(const short& o, const std::string& n, int w) { add(o, n, w, Kind::s16); }
void VcdWriter::trace(const int& o, const std::string& n, int w) { add(o, n, w, Kind::s32); }
void VcdWriter::trace(const long& o, const std::string& n, int w) { add(o, n, w, Kind::s64); }
void VcdWriter::trace(const sc_dt::int64& o, const std::string& n, int w) { add(o, n, w, Kind::s64); }
void VcdWriter::trace(const sc_dt::uint64& o, const std::string& n, int w) { add(o, n, w, Kind::u64); }
void VcdWriter::trace(const sc_core::sc_event&, const std::string& n) { unsupported(n, "sc_event"); }
void VcdWriter::trace(const sc_core::sc_time&, const std::string& n) { unsupported(n, "sc_time"); }
void VcdWriter::trace(const sc_dt::sc_bit&, const std::string& n) { unsupported(n, "sc_bit"); }
void VcdWriter::trace(const sc_dt::sc_logic&, const std::string& n) { unsupported(n, "sc_logic"); }
void VcdWriter::trace(const float&, const std::string& n) { unsupported(n, "float"); }
void VcdWriter::trace(const double&, const std::string& n) { unsupported(n, "double"); }
void VcdWriter::trace(const sc_dt::sc_int_base&, const std::string& n) { unsupported(n, "sc_int"); }
void VcdWriter::trace(const sc_dt::sc_uint_base&, const std::string& n) { unsupported(n, "sc_uint"); }
void VcdWriter::trace(const sc_dt::sc_signed&, const std::string& n) { unsupported(n, "sc_bigint"); }
void VcdWriter::trace(const sc_dt::sc_unsigned&, const std::string& n) { unsupported(n, "sc_biguint"); }
void VcdWriter::trace(const sc_dt::sc_fxval&, const std::string& n) { unsupported(n, "sc_fxval"); }
void VcdWriter::trace(const sc_dt::sc_fxval_fast&, const std::string& n) { unsupported(n, "sc_fxval_fast"); }
void VcdWriter::trace(const sc_dt::sc_fxnum&, const std::string& n) { unsupported(n, "sc_fxnum"); }
void VcdWriter::trace(const sc_dt::sc_fxnum_fast&, const std::string& n) { unsupported(n, "sc_fxnum_fast"); }
void VcdWriter::trace(const sc_dt::sc_bv_base&, const std::string& n) { unsupported(n, "sc_bv"); }
void VcdWriter::trace(const sc_dt::sc_lv_base&, const std::string& n) { unsupported(n, "sc_lv"); }
void VcdWriter::trace(const unsigned int& o, const std::string& n, const char**) { add(o, n, 32, Kind::u32); }

void VcdWriter::write_comment(const std::string& comment) {
  if (started_) {
    put("$comment\n" + comment + "\n$end\n");
  } else {
    comments_.push_back(comment);
  }
}

void VcdWriter::set_time_unit(double v, sc_core::sc_time_unit tu) {
  if (started_) return;  // the header is out
  unit_ps_ = unit_in_ps(v, tu);
  // An odd period in a 1 ps unit puts the falling edge at the nearest unit.
  half_units_ = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(static_cast<double>(clock_.period_ps) / 2 / unit_ps_)));
  resolution_per_unit_ =
      static_cast<uint64_t>(std::llround(unit_ps_ * 1e-12 / sc_core::sc_get_time_resolution().to_seconds()));
  if (resolution_per_unit_ == 0) throw std::logic_error("VCD: the time unit is below the kernel's time resolution");
}

// One kind's probes [begin, end) of the hot arrays: read, compare, write what changed (or
// everything: the initial values).
template <class T>
void VcdWriter::sample_kind(size_t begin, size_t end, uint64_t units, bool all) {
  for (size_t j = begin; j < end; ++j) {
    const uint64_t v = static_cast<uint64_t>(static_cast<int64_t>(*static_cast<const T*>(hot_values_[j]))) & hot_masks_[j];
    if (v == hot_last_[j] && !all) continue;
    hot_last_[j] = v;
    write_time(units);
    write_value(v, hot_widths_[j], hot_ids_[j].data());
  }
}

void VcdWriter::grow(size_t n) {
  flush(true);
  if (out_.size() < n) out_.resize(n);
}

void VcdWriter::write_value(uint64_t bits, int width, const char* id) {
  char* text = reserve(80);
  size_t n = 0;
  if (width == 1) {
    text[n++] = bits ? '1' : '0';
  } else {
    // Binary without leading zeros (a negative value keeps its full width: its top bit is 1).
    text[n++] = 'b';
    const int top = bits ? 63 - __builtin_clzll(bits) : 0;
    int bit = top;
    for (; bit >= 0 && bit % 4 != 3; --bit) text[n++] = static_cast<char>('0' + ((bits >> bit) & 1));  // down to a nibble
    for (; bit >= 3; bit -= 4, n += 4) std::memcpy(text + n, kNibbles[(bits >> (bit - 3)) & 15], 4);
    text[n++] = ' ';
  }
  std::memcpy(text + n, id, kIdChars);
  n += kIdChars;
  text[n++] = '\n';
  used_ += n;
}

void VcdWriter::write_new_time(uint64_t units) {
  // The decimal text of the last time stamp plus the step (half a period, mostly): a digit or two.
  uint64_t carry = units - last_time_;
  for (int i = time_length_ - 1; carry != 0; --i) {
    if (i < 0) {  // one digit more
      std::memmove(time_digits_ + 1, time_digits_, static_cast<size_t>(time_length_));
      time_digits_[0] = '0';
      ++time_length_;
      i = 0;
    }
    const uint64_t d = static_cast<uint64_t>(time_digits_[i] - '0') + carry;
    time_digits_[i] = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  const size_t n = static_cast<size_t>(time_length_);
  char* out = reserve(sizeof time_digits_ + 2);
  out[0] = '#';
  std::memcpy(out + 1, time_digits_, sizeof time_digits_);  // a fixed size: a few moves, no call
  out[n + 1] = '\n';
  used_ += n + 2;
  last_time_ = units;
  time_written_ = true;
}

uint64_t VcdWriter::now_units() const { return sc_core::sc_time_stamp().value() / resolution_per_unit_; }

void VcdWriter::write_header() {
  std::string h;
  h += "$date\n     (date omitted: reproducible waveform)\n$end\n\n";
  h += "$version\n slqsim VCD writer, " + std::string(sc_core::sc_version()).substr(0, 60) + "\n$end\n\n";
  double number = 0;
  const char* unit = unit_text(unit_ps_, &number);
  h += "$timescale\n     " + std::to_string(static_cast<long long>(number)) + " " + unit + "\n$end\n\n";
  for (const std::string& c : comments_) h += "$comment\n" + c + "\n$end\n\n";
  // One scope per dotted name part, scopes in name order, signals in the order they were traced.
  struct Scope {
    std::map<std::string, Scope> children;
    std::vector<std::string> vars;
  };
  Scope top;
  auto var_line = [](int width, const std::string& id, const std::string& name) {
    std::string line = "$var wire " + std::to_string(width) + " " + id + " " + name;
    if (width > 1) line += " [" + std::to_string(width - 1) + ":0]";
    return line + " $end\n";
  };
  if (clock_.enabled) {
    top.vars.push_back(var_line(1, clk_id_, "clk"));
    top.vars.push_back(var_line(64, cycle_id_, "cycle"));
  }
  for (const Probe& p : probes_) {
    Scope* s = &top;
    size_t begin = 0;
    for (size_t dot; (dot = p.name.find('.', begin)) != std::string::npos; begin = dot + 1)
      s = &s->children[p.name.substr(begin, dot - begin)];
    s->vars.push_back(var_line(p.width, p.id, p.name.substr(begin)));
  }
  std::function<void(const std::string&, const Scope&)> emit = [&](const std::string& name, const Scope& s) {
    h += "$scope module " + name + " $end\n";
    for (const std::string& v : s.vars) h += v;
    for (const auto& [child, scope] : s.children) emit(child, scope);
    h += "$upscope $end\n";
  };
  emit("SystemC", top);
  h += "\n$enddefinitions $end\n\n$comment\nAll initial values are dumped below at time 0 = 0 timescale units.\n$end\n\n$dumpvars\n";
  put(h);
}

void VcdWriter::clock_edges_before(uint64_t units) {
  if (!clock_.enabled) return;
  const uint64_t last_half = clock_.to >= UINT64_MAX / 2 ? UINT64_MAX : clock_.to * 2 + 1;
  while (next_half_ <= last_half && next_half_ <= UINT64_MAX / half_units_ && next_half_ * half_units_ < units) {
    write_time(next_half_ * half_units_);
    clock_edge_at(next_half_ * half_units_);
  }
}

bool VcdWriter::clock_edge_at(uint64_t units) {
  if (!clock_.enabled) return false;
  const uint64_t last_half = clock_.to >= UINT64_MAX / 2 ? UINT64_MAX : clock_.to * 2 + 1;
  if (next_half_ > last_half || next_half_ > UINT64_MAX / half_units_ || next_half_ * half_units_ != units) return false;
  write_time(units);
  if (next_half_ % 2 == 0) {  // rising edge: a new cycle
    write_value(1, 1, clk_id_.data());
    write_value(next_half_ / 2, 64, cycle_id_.data());
  } else {
    write_value(0, 1, clk_id_.data());
  }
  ++next_half_;
  return true;
}

void VcdWriter::sample(uint64_t units, bool all) {
  if (!all) {
    clock_edges_before(units);
    clock_edge_at(units);
  }
  const size_t* k = kind_begin_;
  sample_kind<bool>(k[0], k[1], units, all);
  sample_kind<uint8_t>(k[1], k[2], units, all);
  sample_kind<uint16_t>(k[2], k[3], units, all);
  sample_kind<uint32_t>(k[3], k[4], units, all);
  sample_kind<uint64_t>(k[4], k[5], units, all);
  sample_kind<int8_t>(k[5], k[6], units, all);
  sample_kind<int16_t>(k[6], k[7], units, all);
  sample_kind<int32_t>(k[7], k[8], units, all);
  sample_kind<int64_t>(k[8], k[9], units, all);
  flush(false);
}

void VcdWriter::cycle(bool delta_cycle) {
  if (delta_cycle || !file_) return;
  const uint64_t units = now_units();
  if (!started_) {
    // The initial values, at time 0 (the first time step), with the clock as it stands then.
    write_header();
    // The hot arrays: probes grouped by kind (registration order within a kind), so that
    // sampling runs one tight loop per type.
    size_t at = 0;
    for (size_t k = 0; k < kKinds; ++k) {
      kind_begin_[k] = at;
      for (Probe& p : probes_) {
        if (static_cast<size_t>(p.kind) != k) continue;
        hot_values_.push_back(p.value);
        hot_masks_.push_back(mask_of(p.width));
        hot_widths_.push_back(p.width);
        std::array<char, 8> id{};
        std::memcpy(id.data(), p.id.data(), kIdChars);
        hot_ids_.push_back(id);
        ++at;
      }
    }
    kind_begin_[kKinds] = at;
    hot_last_.assign(at, 0);
    if (clock_.enabled) {
      const bool high = clock_.from == 0;
      write_value(high ? 1 : 0, 1, clk_id_.data());
      write_value(0, 64, cycle_id_.data());
      if (high) next_half_ = 1;
    }
    time_written_ = true;  // the dump stands for time 0: no time stamp
    last_time_ = 0;
    sample(0, true);  // every value, kind by kind
    put("$end\n\n");
    started_ = true;
    if (units == 0) return;
  }
  sample(units);
}

void VcdWriter::flush(bool force) {
  if (!force && used_ < kFlushBytes) return;
  if (used_ > 0 && std::fwrite(out_.data(), 1, used_, file_) != used_) throw InputError(path_, "", "cannot write the VCD file");
  used_ = 0;
}

void VcdWriter::close() {
  if (!file_) return;
  sc_core::sc_get_curr_simcontext()->remove_trace_file(this);
  std::FILE* f = file_;
  try {
    if (!started_) cycle(false);  // never simulated: header and initial values still make a valid file
    // What changed in the last time step, and the clock up to now.
    sample(now_units());
    flush(true);
  } catch (...) {
    file_ = nullptr;
    std::fclose(f);
    throw;
  }
  file_ = nullptr;
  if (std::fclose(f) != 0) throw InputError(path_, "", "cannot write the VCD file");
}

}  // namespace slq::tb
