// Sliding-window counter (Cloudflare's "weighted previous window"): two fixed windows, and the
// estimate  previous * (time left of the window) / window + current. Memory is three integers
// per key, one round trip per decision in Redis, and it never lets a burst at a window edge
// through the way a fixed window does (ratelimit #269 and what-users-ask.md §12).
//
// Error bound: within each fixed window at most `limit` requests are admitted; over any span of
// one window length the estimate assumes the previous window's requests were spread evenly, so
// a previous window whose requests all came at its very end can let up to 2 * limit through in
// the worst case (never more than a fixed window allows), and exactly `limit` for even traffic.
//
// Clock steps: a step forward past two windows forgets everything (as it should); a step back
// into an older window keeps the state and counts as the start of the current window, the most
// conservative reading, so stepping a clock back never frees quota.
#pragma once

#include <cstdint>
#include <limits>

#include "state/limit.h"

namespace rampart::state {

struct SlidingWindowState {
  static constexpr std::int64_t kEmpty = std::numeric_limits<std::int64_t>::min();
  std::int64_t window_index = kEmpty;  // floor(now / window) of `current`
  std::uint64_t current = 0;
  std::uint64_t previous = 0;
};

// Decides one request at `now_us` and updates `state` when it is admitted.
LimitDecision slidingWindowDecide(SlidingWindowState& state, const LimitSpec& spec,
                                  std::int64_t now_us);

// When the state can be forgotten: two windows after its current window started.
std::int64_t slidingWindowExpiryUs(const SlidingWindowState& state, const LimitSpec& spec);

}  // namespace rampart::state
