#include "tb/scoreboard.h"

#include <sstream>

namespace slq::tb {

void Scoreboard::execute(const std::vector<PassRequest>& requests, std::vector<PassOutcome>& outs) {
  inner_.execute(requests, outs);
  for (size_t i = 0; i < requests.size(); ++i) {
    if (passes_ == fault_pass_ && fault_index_ < outs[i].acc.size()) ++outs[i].acc[fault_index_];
    const PassRequest& r = requests[i];
    const PassOutcome golden = GoldenExecutor::run_one(r, array_, sng_);
    ++checked_;
    if (golden.acc == outs[i].acc) continue;
    const int P = array_.lanes;
    for (size_t k = 0; k < golden.acc.size(); ++k) {
      if (k < outs[i].acc.size() && golden.acc[k] == outs[i].acc[k]) continue;
      const int lane = static_cast<int>(k % P), row = static_cast<int>(k / P);
      std::ostringstream msg;
      msg << "scoreboard mismatch in layer " << r.layer->name << ", "
          << (r.first_position < 0 ? "image " + std::to_string(r.first_image + lane)
                                   : "image " + std::to_string(r.first_image) + ", output position " +
                                         std::to_string(r.first_position + lane))
          << ", lane " << lane << ", output channel " << row << ": hardware "
          << (k < outs[i].acc.size() ? std::to_string(outs[i].acc[k]) : std::string("(missing)")) << ", golden "
          << golden.acc[k];
      throw ScoreboardMismatch(msg.str());
    }
    throw ScoreboardMismatch("scoreboard mismatch in layer " + r.layer->name + ": " +
                             std::to_string(outs[i].acc.size()) + " accumulators, golden " +
                             std::to_string(golden.acc.size()));
  }
  ++passes_;
}

}  // namespace slq::tb
