#include "state/gcra.h"

#include <algorithm>

namespace rampart::state {

std::int64_t gcraEmissionIntervalUs(const LimitSpec& spec) {
  const auto limit = static_cast<std::int64_t>(spec.limit);
  return std::max<std::int64_t>(1, (spec.window_us + limit - 1) / limit);
}

LimitDecision gcraDecide(GcraState& state, const LimitSpec& spec, std::int64_t now_us) {
  const std::int64_t interval = gcraEmissionIntervalUs(spec);
  const std::int64_t tolerance = interval * static_cast<std::int64_t>(spec.burst);
  std::int64_t tat = state.tat_us == GcraState::kEmpty ? now_us : std::max(state.tat_us, now_us);
  tat = std::min(tat, now_us + tolerance);  // a clock stepped back cannot push TAT further
  const std::int64_t new_tat = tat + interval;

  LimitDecision d;
  if (new_tat - now_us <= tolerance) {
    state.tat_us = new_tat;
    d.admission = Admission::Admitted;
    d.count = static_cast<std::uint64_t>((new_tat - now_us + interval - 1) / interval);
    d.remaining = spec.burst - std::min(spec.burst, d.count);
    d.reset_us = new_tat - now_us;
    return d;
  }
  state.tat_us = tat;
  d.admission = Admission::Limited;
  d.count = spec.burst;
  d.remaining = 0;
  d.retry_after_us = new_tat - now_us - tolerance;
  d.reset_us = tat - now_us;
  return d;
}

std::int64_t gcraExpiryUs(const GcraState& state) {
  return state.tat_us == GcraState::kEmpty ? 0 : state.tat_us;
}

}  // namespace rampart::state
