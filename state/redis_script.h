// The one server-side script of a Redis-backed decision: both algorithms of state/limit.h,
// written to mirror state/sliding_window.cpp and state/gcra.cpp line for line, so a key decides
// the same way in either store. It reads the clock with Redis TIME, so every rampart instance
// shares one clock (instance clocks may differ; Redis' is the only one that matters). Redis 7
// replicates scripts by their effects, so TIME is allowed and replicas stay exact.
//
// KEYS[1]: the rule key. ARGV: algorithm ("s" sliding window | "g" gcra), limit, window_us,
// burst. Returns {admitted 0/1, count, remaining, retry_after_us, reset_us}.
//
// Precision: Lua numbers are doubles, so the sliding window is exact while
// limit * window_us < 2^53 (the loader refuses larger rules).
#pragma once

#include <string>
#include <string_view>

namespace rampart::state {

std::string_view rateLimitScript();
const std::string& rateLimitScriptSha1();  // lower-case hex, as EVALSHA wants it

}  // namespace rampart::state
