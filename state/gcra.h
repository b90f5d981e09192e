// GCRA (generic cell rate algorithm), the token bucket written as one timestamp: the
// theoretical arrival time (TAT) of the next request. With an emission interval
// T = window / limit (rounded up, so the rate never exceeds limit per window) and a tolerance of
// burst * T, a request at `now` is admitted when max(TAT, now) + T - now <= burst * T.
//
// Error bound: from idle, `burst` requests pass back to back, then one every T; over any span of
// length d at most burst + d / T requests pass. No window edges.
//
// Clock steps: a step forward (or a long gap) restores the full burst; a step back would leave
// TAT far in the future, so it is clamped to now + burst * T: the key behaves as if its burst
// was used up and refills at the normal rate, never worse.
#pragma once

#include <cstdint>
#include <limits>

#include "state/limit.h"

namespace rampart::state {

struct GcraState {
  static constexpr std::int64_t kEmpty = std::numeric_limits<std::int64_t>::min();
  std::int64_t tat_us = kEmpty;
};

// The emission interval T in microseconds (>= 1).
std::int64_t gcraEmissionIntervalUs(const LimitSpec& spec);

LimitDecision gcraDecide(GcraState& state, const LimitSpec& spec, std::int64_t now_us);

// When the state equals a fresh one and can be forgotten: at TAT.
std::int64_t gcraExpiryUs(const GcraState& state);

}  // namespace rampart::state
