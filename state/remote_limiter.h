// What the rate-limit stage needs from a shared store on one worker: one decision per call,
// answered later on the same worker, and the worker's cache of keys known to be over their
// limit. RedisLimiter talks to one Redis server, RedisClusterLimiter to a Redis Cluster.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/config/config.h"
#include "proxy/worker_context.h"
#include "state/limit.h"
#include "state/over_limit_cache.h"
#include "state/quota_leases.h"

namespace rampart::state {

enum class RedisCallResult : std::uint8_t {
  Answered,    // `decision` is Redis' answer
  Timeout,     // no answer within the deadline
  Error,       // refused or lost connection, error reply, malformed reply
  Redirected,  // Redis Cluster: MOVED or ASK to `redirect_to` (handled by RedisClusterLimiter)
};

struct RedisAnswer {
  RedisCallResult result = RedisCallResult::Error;
  LimitDecision decision;
  std::string redirect_to;  // Redirected: "host:port"
  bool ask = false;         // Redirected: ASK (one-off) rather than MOVED
};

enum class RedisIssue : std::uint8_t {
  Issued,       // `done` runs later on this worker, exactly once
  BreakerOpen,  // not sent: the breaker is open (or its one probe is in flight)
  Overloaded,   // not sent: max_pending calls are in flight
  Failed,       // not sent: no connection could be started
};

class RemoteLimiter : public WorkerResource {
 public:
  using Done = std::function<void(const RedisAnswer&)>;

  virtual RedisIssue decide(std::string_view key, const LimitSpec& spec, Done done) = 0;
  virtual OverLimitCache& overLimitCache() = 0;
  // Admissions reserved ahead for rules with lease_max > 1 (bounded like the over-limit cache).
  virtual QuotaLeases& quotaLeases() = 0;

  // The limiter of `worker` for `config` (one server, or a cluster when cluster_nodes is set),
  // created on first use and kept across reloads as long as the Redis settings stay the same.
  static std::shared_ptr<RemoteLimiter> of(WorkerContext& worker, const RedisConfig& config,
                                           std::size_t over_limit_cache_keys);
};

}  // namespace rampart::state
