// GTKWave companions of a comparison VCD: a save file (.gtkw) that puts the same signal of every
// accelerator side by side, and the conversion to FST with GTKWave's vcd2fst.
#pragma once
#include <string>
#include <vector>

#include "tb/wave/tracing.h"

namespace slq::tb {

struct VcdSignal {
  std::string path;  // dotted, as GTKWave names it: "SystemC.tag.decoder.status"
  int width = 1;     // bits; GTKWave appends "[width-1:0]" to vectors
  std::string gtkwave_name() const;
};
struct VcdHeader {
  std::vector<VcdSignal> signals;  // in header order
  double unit_ps = 1;              // GTKWave's time unit for the file: the $timescale's (1 for "100 ps")
};
// Reads a VCD's declarations. Throws InputError if the file cannot be read.
VcdHeader read_vcd_header(const std::string& vcd_path);

// What the save file shows first: cycles [from_cycle, from_cycle + cycles) across the window.
struct GtkwView {
  uint64_t from_cycle = 0, cycles = 1;
  uint64_t period_ps = 1000;
};

// Writes a save file for `dump_path`: the clock and cycle number first, then one group per
// signal below the accelerator scopes (e.g. "decoder.status") holding that signal of each scope,
// in `scopes` order and named after it. Groups run from the array back up the pipeline
// (controller, array, decoder, output); vectors show as signed decimals, decoder.status and
// controller.stall_cause by name through translate filter files written next to the save file
// (FILE.<group>.txt).
void write_gtkw(const std::string& gtkw_path, const std::string& dump_path, const VcdHeader& vcd,
                const std::vector<std::string>& scopes, const GtkwView& view);

// Converts FILE.vcd to FILE.fst with vcd2fst (run as a child process, its output on stderr);
// returns the FST path. Throws InputError when vcd2fst is not installed, runtime_error if it fails.
std::string convert_to_fst(const std::string& vcd_path);

}  // namespace slq::tb
