// What one rate-limit decision needs (the limit) and what it answers, shared by both algorithms
// and every store (in-process and Redis), so the stage reads one shape whatever decided.
#pragma once

#include <cstdint>
#include <string_view>

namespace rampart::state {

enum class Algorithm : std::uint8_t {
  SlidingWindow,  // weighted previous + current fixed window (state/sliding_window.h)
  Gcra,           // generic cell rate algorithm = token bucket with burst (state/gcra.h)
};

std::string_view algorithmName(Algorithm a);  // "sliding_window" | "gcra"

struct LimitSpec {
  Algorithm algorithm = Algorithm::SlidingWindow;
  std::uint64_t limit = 1;         // requests per window, >= 1
  std::int64_t window_us = 1'000'000;  // > 0
  std::uint64_t burst = 1;         // gcra: requests admitted back to back from idle, >= 1
  // Admissions to reserve at once (Redis quota leases, state/quota_leases.h): the store grants
  // up to this many while they fit, at least one when it admits. Always 1 for the local store.
  std::uint64_t tokens = 1;
};

enum class Admission : std::uint8_t {
  Admitted,  // the request was counted
  Limited,   // over the limit; nothing was counted
};

struct LimitDecision {
  Admission admission = Admission::Admitted;
  // Sliding window: the weighted count of the last window (rounded up), this request included
  // when admitted. GCRA: the part of the burst in use.
  std::uint64_t count = 0;
  std::uint64_t remaining = 0;     // requests that would still be admitted right now
  std::int64_t retry_after_us = 0; // Limited: wait at least this long; 0 when admitted
  std::int64_t reset_us = 0;       // until the quota is whole again (RateLimit `t`)
  // Admitted: how many admissions the store counted, this request's included (1 unless
  // LimitSpec::tokens asked for more). `count` and `remaining` include all of them.
  std::uint64_t granted = 1;
};

}  // namespace rampart::state
