// GTKWave companions of a comparison VCD: a save file (.gtkw) that puts the same signal of every
// accelerator side by side, and the conversion to FST with GTKWave's vcd2fst.
#pragma once
#include <string>
#include <vector>

#include "tb/tracing.h"

namespace slq::tb {

struct VcdSignal {
  std::string path;  // dotted, as GTKWave names it: "SystemC.tag.decoder.status"
  int width = 1;     // bits; GTKWave appends "[width-1:0]" to vectors
  std::string gtkwave_name() const;
};
// The signals a VCD declares, in header order. Throws InputError if the file cannot be read.
std::vector<VcdSignal> read_vcd_signals(const std::string& vcd_path);

// Writes a save file for `dump_path`: the clock first, then one group per signal below the
// accelerator scopes (e.g. "decoder.status") holding that signal of each scope in `scopes`
// order, pipeline blocks in order (decoder, controller, array, output). Vectors show as signed
// decimals. The view starts at window.from.
void write_gtkw(const std::string& gtkw_path, const std::string& dump_path, const std::vector<VcdSignal>& signals,
                const std::vector<std::string>& scopes, TraceWindow window);

// Converts FILE.vcd to FILE.fst with vcd2fst (run as a child process, its output on stderr);
// returns the FST path. Throws InputError when vcd2fst is not installed, runtime_error if it fails.
std::string convert_to_fst(const std::string& vcd_path);

}  // namespace slq::tb
