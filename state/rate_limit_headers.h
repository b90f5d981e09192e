// The response headers of a refused request, per draft-ietf-httpapi-ratelimit-headers (-08 and
// later, structured fields):
//   RateLimit-Policy: "per-ip";q=100;w=60
//   RateLimit: "per-ip";r=0;t=12
//   Retry-After: 12
// One list member per rule that refused; Retry-After is the longest wait among them. Times are
// whole seconds, rounded up (a client that waits t seconds is admitted). With
// `rate_limits.response_headers`, a response that passed carries RateLimit-Policy and RateLimit
// of its tightest rule (no Retry-After; `t` is then when the quota is whole again).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/api/headers.h"

namespace rampart::state {

struct RefusingPolicy {
  std::string name;
  std::uint64_t quota = 0;          // q: the rule's limit
  std::int64_t window_us = 0;       // w
  std::uint64_t remaining = 0;      // r
  std::int64_t retry_after_us = 0;  // t
};

std::vector<HeaderField> rateLimitHeaders(const std::vector<RefusingPolicy>& policies);

// The two fields for a request that passed (`retry_after_us` holds the reset time).
std::vector<HeaderField> rateLimitStateHeaders(const RefusingPolicy& policy);

std::int64_t secondsRoundedUp(std::int64_t us);

}  // namespace rampart::state
