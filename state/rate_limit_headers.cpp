#include "state/rate_limit_headers.h"

#include <algorithm>

namespace rampart::state {

std::int64_t secondsRoundedUp(std::int64_t us) {
  return us <= 0 ? 0 : (us + 999'999) / 1'000'000;
}

std::vector<HeaderField> rateLimitHeaders(const std::vector<RefusingPolicy>& policies) {
  std::string policy;
  std::string state;
  std::int64_t retry_after = 0;
  for (const RefusingPolicy& p : policies) {
    if (!policy.empty()) {
      policy += ", ";
      state += ", ";
    }
    // Rule names are restricted to [A-Za-z0-9_.-] by the loader: no escaping needed.
    policy += '"' + p.name + "\";q=" + std::to_string(p.quota) +
              ";w=" + std::to_string(secondsRoundedUp(p.window_us));
    const std::int64_t t = std::max<std::int64_t>(1, secondsRoundedUp(p.retry_after_us));
    state += '"' + p.name + "\";r=" + std::to_string(p.remaining) + ";t=" + std::to_string(t);
    retry_after = std::max(retry_after, t);
  }
  std::vector<HeaderField> out;
  if (policies.empty()) return out;
  out.push_back({"retry-after", std::to_string(retry_after)});
  out.push_back({"ratelimit-policy", std::move(policy)});
  out.push_back({"ratelimit", std::move(state)});
  return out;
}

std::vector<HeaderField> rateLimitStateHeaders(const RefusingPolicy& p) {
  std::vector<HeaderField> out;
  out.push_back({"ratelimit-policy", '"' + p.name + "\";q=" + std::to_string(p.quota) +
                                         ";w=" + std::to_string(secondsRoundedUp(p.window_us))});
  out.push_back({"ratelimit", '"' + p.name + "\";r=" + std::to_string(p.remaining) +
                                  ";t=" + std::to_string(secondsRoundedUp(p.retry_after_us))});
  return out;
}

}  // namespace rampart::state
