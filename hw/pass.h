// What travels between the accelerator's blocks during a pass (the job and the names of the
// blocks' states are models/pipeline/pipeline.h's).
#pragma once
#include <cstdint>
#include <ostream>
#include <vector>

#include <systemc>

#include "models/codec/format.h"
#include "models/pipeline/pass_stats.h"
#include "models/pipeline/pipeline.h"
#include "models/sc/sc_layer.h"

namespace slq::hw {

using slq::DecoderStatus;
using slq::kFillCycles;
using slq::PassJob;
using slq::PassStats;
using slq::StallCause;

// A term on its way from the decoder to the array (a models::Term with a trace overload).
struct TermToken {
  Term term;
  bool operator==(const TermToken& o) const {
    return term.weight == o.term.weight && term.sign == o.term.sign && term.nbits == o.term.nbits;
  }
};
std::ostream& operator<<(std::ostream& os, const TermToken& t);

}  // namespace slq::hw
