#include "state/rate_limit_stage.h"

#include <algorithm>
#include <optional>
#include <thread>

#include "proxy/api/exchange.h"
#include "proxy/config_snapshot.h"
#include "proxy/worker_context.h"
#include "state/rate_limit_headers.h"
#include "state/rate_limit_key.h"
#include "state/rate_limit_match.h"
#include "state/remote_limiter.h"

namespace rampart::state {
namespace {

enum class Outcome : std::uint8_t {
  Allowed,          // the store admitted it
  Limited,          // the store refused it
  LimitedCached,    // the worker's over-limit cache refused it without a Redis call
  FailOpenAllowed,  // Redis unavailable; the local fallback quota admitted it
  FailOpenLimited,  // Redis unavailable; over the local fallback quota
  FailClosed,       // Redis unavailable under fail_closed
};

std::string_view outcomeName(Outcome o) {
  switch (o) {
    case Outcome::Allowed: return "allowed";
    case Outcome::Limited: return "limited";
    case Outcome::LimitedCached: return "limited_cached";
    case Outcome::FailOpenAllowed: return "fail_open_allowed";
    case Outcome::FailOpenLimited: return "fail_open_limited";
    case Outcome::FailClosed: return "fail_closed";
  }
  return "unknown";
}

std::string_view actionName(RateLimitAction a) {
  switch (a) {
    case RateLimitAction::Reject: return "reject";
    case RateLimitAction::Log: return "log";
    case RateLimitAction::Challenge: return "challenge";
  }
  return "reject";
}

Counter counterOf(Outcome o) {
  switch (o) {
    case Outcome::Allowed: return Counter::rate_limit_allowed_total;
    case Outcome::Limited: return Counter::rate_limit_limited_total;
    case Outcome::LimitedCached: return Counter::rate_limit_limited_cached_total;
    case Outcome::FailOpenAllowed: return Counter::rate_limit_fail_open_allowed_total;
    case Outcome::FailOpenLimited: return Counter::rate_limit_fail_open_limited_total;
    case Outcome::FailClosed: return Counter::rate_limit_fail_closed_total;
  }
  return Counter::rate_limit_allowed_total;
}

bool overLimit(Outcome o) {
  return o == Outcome::Limited || o == Outcome::LimitedCached || o == Outcome::FailOpenLimited;
}

// One applicable rule of this request, while it is decided.
struct RuleDecision {
  const CompiledRateLimitRule* rule = nullptr;
  std::size_t record_index = 0;  // into record().rate_limits
  std::string store_key;         // Redis rules: for the over-limit cache
  std::uint64_t quota = 0;       // the limit that decided: the rule's, or its fallback share
  std::int64_t sent_us = 0;      // Redis rules: when the call went out (monotonic)
  LimitDecision decision;
  Outcome outcome = Outcome::Allowed;
};

class RateLimitStage final : public Stage {
 public:
  explicit RateLimitStage(std::shared_ptr<const RateLimitPolicy> policy)
      : policy_(std::move(policy)) {}
  ~RateLimitStage() override {
    if (alive_) *alive_ = nullptr;  // answers still on their way find no stage
  }

  Verdict onRequestHeaders(Exchange& ex) noexcept override {
    try {
      for (const CompiledRateLimitRule& rule : policy_->rules) {
        if (!ruleMatches(rule.config.match, ex)) continue;
        RateLimitKey key;
        if (buildRateLimitKey(rule.config, ex, key) == KeyStatus::PartMissing) {
          ex.worker().stats().inc(Counter::rate_limit_key_missing_total);
          continue;
        }
        RateLimitEntry entry;
        entry.rule = rule.config.name;
        entry.key = std::move(key.display);
        entry.limit = rule.config.limit;
        entry.action = actionName(rule.config.action);
        entry.store = "local";
        ex.record().rate_limits.push_back(std::move(entry));
        RuleDecision& d = decisions_.emplace_back();
        d.rule = &rule;
        d.record_index = ex.record().rate_limits.size() - 1;
        d.quota = rule.config.limit;
        if (rule.config.store == RateLimitStore::Redis) {
          d.store_key = std::move(key.store_key);
          decideRemotely(ex, decisions_.size() - 1);
        } else {
          decideLocally(ex, d, key.store_key, rule.spec);
        }
      }
    } catch (...) {
      // Out of memory building keys: a limiter must not take the request down with it.
      if (waiting_ == 0) return Verdict::next();
    }
    if (waiting_ > 0) {
      pending_exchange_ = &ex;
      return Verdict::pending();
    }
    return verdict(ex);
  }

  Verdict onResponseHeaders(Exchange& ex) noexcept override {
    ResponseHead* response = ex.mutableResponse();
    if (!policy_->response_headers || response == nullptr) return Verdict::next();
    const RuleDecision* tightest = nullptr;
    for (const RuleDecision& d : decisions_) {
      if (d.rule->config.action != RateLimitAction::Reject || overLimit(d.outcome) ||
          d.outcome == Outcome::FailClosed)
        continue;
      if (tightest == nullptr || d.decision.remaining < tightest->decision.remaining) tightest = &d;
    }
    if (tightest == nullptr) return Verdict::next();
    try {
      for (HeaderField& h : rateLimitStateHeaders(
               {tightest->rule->config.name, tightest->quota, tightest->rule->spec.window_us,
                tightest->decision.remaining, tightest->decision.reset_us})) {
        response->headers.set(std::move(h.name), std::move(h.value));
      }
    } catch (...) {
    }
    return Verdict::next();
  }

 private:
  // A Redis rule: the over-limit cache first, then one pipelined script call; Redis unavailable
  // (breaker open, too many calls in flight, no connection) applies the failure policy at once.
  void decideRemotely(Exchange& ex, std::size_t index) {
    RuleDecision& d = decisions_[index];
    ex.record().rate_limits[d.record_index].store = "redis";
    if (!limiter_) {
      limiter_ = RemoteLimiter::of(ex.worker(), policy_->redis, policy_->over_limit_cache_keys);
    }
    const std::int64_t now = monotonicClock().nowUs();
    if (const std::int64_t wait = limiter_->overLimitCache().refusedFor(d.store_key, now)) {
      LimitDecision cached;
      cached.admission = Admission::Limited;
      cached.count = d.rule->config.limit;
      cached.retry_after_us = wait;
      cached.reset_us = wait;
      ex.record().rate_limits[d.record_index].store_status = "over_limit_cache";
      settle(ex, d, cached, Outcome::LimitedCached);
      return;
    }
    LimitSpec spec = d.rule->spec;
    const std::uint64_t lease_max = d.rule->config.lease_max;
    if (lease_max > 1) {
      QuotaLeases& leases = limiter_->quotaLeases();
      std::uint64_t expired_unused = 0;
      const std::optional<LimitDecision> leased = leases.take(d.store_key, now, expired_unused);
      WorkerStats& stats = ex.worker().stats();
      if (expired_unused > 0)
        stats.inc(Counter::rate_limit_lease_expired_unused_total, expired_unused);
      if (leased) {
        stats.inc(Counter::rate_limit_lease_admissions_total);
        ex.record().rate_limits[d.record_index].store_status = "lease";
        settle(ex, d, *leased, Outcome::Allowed);
        return;
      }
      spec.tokens = leases.sizeToRequest(d.store_key, lease_max, policy_->lease_holders, now);
    }
    d.sent_us = now;
    if (!alive_) alive_ = std::make_shared<RateLimitStage*>(this);
    std::weak_ptr<RateLimitStage*> alive = alive_;
    const RedisIssue issued = limiter_->decide(
        d.store_key, spec, [alive, index](const RedisAnswer& answer) {
          if (auto stage = alive.lock(); stage && *stage != nullptr) (*stage)->onAnswer(index, answer);
        });
    switch (issued) {
      case RedisIssue::Issued: ++waiting_; break;
      case RedisIssue::BreakerOpen: fallback(ex, d, "breaker_open"); break;
      case RedisIssue::Overloaded: fallback(ex, d, "overloaded"); break;
      case RedisIssue::Failed: fallback(ex, d, "error"); break;
    }
  }

  void onAnswer(std::size_t index, const RedisAnswer& answer) noexcept {
    Exchange* ex = pending_exchange_;
    if (ex == nullptr || index >= decisions_.size()) return;
    RuleDecision& d = decisions_[index];
    try {
      if (answer.result == RedisCallResult::Answered) {
        const bool admitted = answer.decision.admission == Admission::Admitted;
        LimitDecision own = answer.decision;
        if (!admitted) {
          const std::int64_t now = monotonicClock().nowUs();
          limiter_->overLimitCache().remember(d.store_key, now + answer.decision.retry_after_us, now);
        } else if (d.rule->config.lease_max > 1) {
          const std::int64_t now = monotonicClock().nowUs();
          // A sliding-window lease ends with the window its admissions were counted in. Redis
          // measured the window's end some time between sending and now: counting from the
          // send keeps the lease from outliving the window by a round trip.
          std::int64_t valid_us = static_cast<std::int64_t>(d.rule->config.lease_ttl_ms) * 1000;
          if (d.rule->spec.algorithm == Algorithm::SlidingWindow)
            valid_us = std::min(valid_us, answer.decision.reset_us - (now - d.sent_us));
          std::uint64_t expired_unused = 0;
          own = limiter_->quotaLeases().onAdmitted(d.store_key, answer.decision, valid_us, now,
                                                   expired_unused);
          WorkerStats& stats = ex->worker().stats();
          if (expired_unused > 0)
            stats.inc(Counter::rate_limit_lease_expired_unused_total, expired_unused);
          if (answer.decision.granted > 1)
            stats.inc(Counter::rate_limit_lease_reserved_total, answer.decision.granted - 1);
        }
        settle(*ex, d, own, admitted ? Outcome::Allowed : Outcome::Limited);
      } else {
        fallback(*ex, d, answer.result == RedisCallResult::Timeout ? "timeout" : "error");
      }
    } catch (...) {
    }
    if (--waiting_ > 0) return;
    pending_exchange_ = nullptr;
    ex->resume(verdict(*ex));
  }

  // Redis is unavailable for this decision: fail_closed refuses (503), fail_open decides against
  // this instance's share of the limit in the local store.
  void fallback(Exchange& ex, RuleDecision& d, std::string_view status) {
    RateLimitEntry& entry = ex.record().rate_limits[d.record_index];
    entry.store_status = status;
    entry.degraded = true;
    if (d.rule->config.on_store_failure == StoreFailurePolicy::FailClosed) {
      settle(ex, d, LimitDecision{Admission::Limited, 0, 0, 0, 0}, Outcome::FailClosed);
      return;
    }
    entry.store = "local_fallback";
    entry.limit = d.rule->fallback_spec.limit;
    d.quota = d.rule->fallback_spec.limit;
    const StoreDecision stored = policy_->local->decide("fallback:" + d.store_key, d.rule->fallback_spec);
    if (stored.eviction == StoreEviction::EvictedLive)
      ex.worker().stats().inc(Counter::rate_limit_local_evictions_total);
    settle(ex, d, stored.decision,
           stored.decision.admission == Admission::Admitted ? Outcome::FailOpenAllowed
                                                            : Outcome::FailOpenLimited);
  }

  void decideLocally(Exchange& ex, RuleDecision& d, const std::string& key, const LimitSpec& spec) {
    const StoreDecision stored = policy_->local->decide(key, spec);
    if (stored.eviction == StoreEviction::EvictedLive)
      ex.worker().stats().inc(Counter::rate_limit_local_evictions_total);
    settle(ex, d, stored.decision,
           stored.decision.admission == Admission::Admitted ? Outcome::Allowed : Outcome::Limited);
  }

  void settle(Exchange& ex, RuleDecision& d, const LimitDecision& decision, Outcome outcome) {
    d.decision = decision;
    d.outcome = outcome;
    RateLimitEntry& entry = ex.record().rate_limits[d.record_index];
    entry.count = decision.count;
    entry.remaining = decision.remaining;
    entry.retry_after_ms = (decision.retry_after_us + 999) / 1000;
    entry.outcome = outcomeName(outcome);
    WorkerStats& stats = ex.worker().stats();
    stats.inc(counterOf(outcome));
    if ((overLimit(outcome) || outcome == Outcome::FailClosed) &&
        d.rule->config.action == RateLimitAction::Log)
      stats.inc(Counter::rate_limit_shadow_total);
  }

  Verdict verdict(Exchange& ex) {
    std::vector<RefusingPolicy> refusing;
    bool unavailable = false;
    for (const RuleDecision& d : decisions_) {
      if (d.rule->config.action == RateLimitAction::Challenge &&
          (overLimit(d.outcome) || d.outcome == Outcome::FailClosed)) {
        // The challenge stage (after this one) serves the proof-of-work page unless the client
        // already holds a valid clearance.
        ex.worker().stats().inc(Counter::rate_limit_challenges_total);
        DecisionRecord& record = ex.record();
        if (record.challenge_requested_by.empty()) {
          try {
            record.challenge_requested_by = "rate_limit:" + d.rule->config.name;
          } catch (...) {
          }
        }
        continue;
      }
      if (d.rule->config.action != RateLimitAction::Reject) continue;
      if (overLimit(d.outcome)) {
        refusing.push_back({d.rule->config.name, d.quota, d.rule->spec.window_us,
                            d.decision.remaining, d.decision.retry_after_us});
      } else if (d.outcome == Outcome::FailClosed) {
        unavailable = true;
      }
    }
    if (!refusing.empty()) {
      try {
        ex.record().local_reply_headers = rateLimitHeaders(refusing);
      } catch (...) {
      }
      return Verdict::respond(429, "rate_limited");
    }
    if (unavailable) return Verdict::respond(503, "rate_limit_unavailable");
    return Verdict::next();
  }

  std::shared_ptr<const RateLimitPolicy> policy_;
  std::vector<RuleDecision> decisions_;
  std::shared_ptr<RemoteLimiter> limiter_;  // Redis rules only; kept alive while calls are out
  std::shared_ptr<RateLimitStage*> alive_;  // answers hold it weakly; cleared when destroyed
  Exchange* pending_exchange_ = nullptr;
  std::size_t waiting_ = 0;  // Redis answers still to come
};

}  // namespace

LimitSpec limitSpecOf(const RateLimitRuleConfig& rule, std::uint32_t divide_by) {
  LimitSpec spec;
  spec.algorithm = rule.algorithm == RateLimitAlgorithm::Gcra ? Algorithm::Gcra
                                                               : Algorithm::SlidingWindow;
  const std::uint64_t parts = std::max<std::uint32_t>(1, divide_by);
  spec.limit = std::max<std::uint64_t>(1, rule.limit / parts);
  spec.window_us = static_cast<std::int64_t>(rule.window_ms) * 1000;
  const std::uint64_t burst = rule.burst == 0 ? rule.limit : rule.burst;
  spec.burst = std::max<std::uint64_t>(1, burst / parts);
  return spec;
}

std::unique_ptr<Stage> RateLimitStageFactory::create(WorkerContext&) const {
  return std::make_unique<RateLimitStage>(policy_);
}

std::unique_ptr<RateLimitStageFactory> makeRateLimitStageFactory(const ConfigSnapshot& snapshot) {
  const RateLimitsConfig& config = snapshot.config.rate_limits;
  if (config.rules.empty()) return nullptr;
  auto policy = std::make_shared<RateLimitPolicy>();
  for (const RateLimitRuleConfig& rule : config.rules) {
    CompiledRateLimitRule compiled;
    compiled.config = rule;
    compiled.spec = limitSpecOf(rule);
    compiled.fallback_spec = limitSpecOf(rule, config.expected_instances);
    policy->rules.push_back(std::move(compiled));
  }
  policy->local = LocalStore::shared(config.local_max_keys);
  policy->redis = config.redis;
  policy->over_limit_cache_keys = config.over_limit_cache_keys;
  policy->response_headers = config.response_headers;
  const std::uint64_t workers = snapshot.config.workers == 0
                                    ? std::max(1u, std::thread::hardware_concurrency())
                                    : snapshot.config.workers;
  policy->lease_holders = workers * std::max<std::uint32_t>(1, config.expected_instances);
  return std::make_unique<RateLimitStageFactory>(std::move(policy));
}

}  // namespace rampart::state
