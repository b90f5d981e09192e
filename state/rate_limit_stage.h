// RateLimitStage: the rate-limit rules of docs/rate-limits.md, in the RequestHeaders phase right
// after protocol_sanity (cheap and early, before the WAF spends time on a request that will be
// refused anyway).
//
// - Every rule whose match holds is decided, in config order, also after one already refused (so
//   each rule counts every request it matches, as Envoy's descriptors do).
// - Local rules decide at once in the process-wide LocalStore. Redis rules go to the worker's
//   RedisLimiter (asynchronous, pipelined on one connection); the stage returns Pending and
//   resumes when the last answer arrives or its timeout fires. Redis unavailable (breaker open,
//   timeout, error, too many calls in flight) applies the rule's on_store_failure policy.
// - Each rule adds one entry to the decision record's rate_limits and bumps its outcome counter.
// - Verdict: any enforcing rule over its limit -> 429 `rate_limited` with Retry-After,
//   RateLimit-Policy and RateLimit; else any enforcing fail_closed rule without its store -> 503
//   `rate_limit_unavailable`; else Continue. Rules with action `log` never refuse (shadow mode)
//   and count rate_limit_shadow_total instead.
// - With rate_limits.response_headers, a response that passed gets RateLimit-Policy and
//   RateLimit of its tightest enforcing rule (fewest requests remaining), in ResponseHeaders.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proxy/api/error.h"
#include "proxy/api/stage.h"
#include "proxy/config/config.h"
#include "state/limit.h"
#include "state/local_store.h"

namespace rampart {
struct ConfigSnapshot;
}

namespace rampart::state {

struct CompiledRateLimitRule {
  RateLimitRuleConfig config;
  LimitSpec spec;
  LimitSpec fallback_spec;  // fail_open with Redis unavailable: limit / expected_instances
};

// The immutable, per-generation form of `rate_limits` (Envoy FilterConfig).
struct RateLimitPolicy {
  std::vector<CompiledRateLimitRule> rules;
  std::shared_ptr<LocalStore> local;  // process-wide; also holds fail_open fallback quotas
  RedisConfig redis;
  std::uint32_t over_limit_cache_keys = 0;
  bool response_headers = false;  // RateLimit-Policy + RateLimit on responses that pass
  // Workers that may hold a quota lease of one key at once: expected_instances x workers.
  std::uint64_t lease_holders = 1;
};

LimitSpec limitSpecOf(const RateLimitRuleConfig& rule, std::uint32_t divide_by = 1);

class RateLimitStageFactory final : public StageFactory {
 public:
  explicit RateLimitStageFactory(std::shared_ptr<const RateLimitPolicy> policy)
      : policy_(std::move(policy)) {}
  std::string_view name() const override { return "rampart.rate_limit"; }
  std::unique_ptr<Stage> create(WorkerContext&) const override;
  const RateLimitPolicy& policy() const { return *policy_; }

 private:
  std::shared_ptr<const RateLimitPolicy> policy_;
};

// The factory for `snapshot`, or null when it has no rate-limit rules.
std::unique_ptr<RateLimitStageFactory> makeRateLimitStageFactory(const ConfigSnapshot& snapshot);

}  // namespace rampart::state
