// Rate-limit decisions on one Redis primary with replicas (no Cluster, no Sentinel), for one
// worker: one RedisLimiter (connection, breaker, deadlines, pipelining) per listed server, and
// which of them is the primary now.
//
// - Every decision goes to the server believed to be the primary (at first `address`).
// - After a failed call there (timeout, error, breaker open, refused connection), and at most
//   every kDiscoveryIntervalUs, ROLE is asked of every listed server. A server answering
//   `master` other than the current one becomes the primary: one log line, a counter
//   (rate_limit_redis_primary_changes_total). So when an operator or an orchestrator promotes a
//   replica (REPLICAOF NO ONE), decisions follow it as soon as one ROLE round sees it; the
//   decisions in between apply each rule's on_store_failure policy, as in any outage.
// - A demoted primary answers READONLY to the script: that is a failed call, so it also starts a
//   round. The current primary answering `master` keeps its place: two servers that both claim
//   to be primary (a split after a manual failover) do not make decisions flap between them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "state/redis_limiter.h"
#include "state/remote_limiter.h"

struct redisReply;

namespace rampart::state {

class RedisFailoverLimiter final : public RemoteLimiter {
 public:
  static constexpr std::int64_t kDiscoveryIntervalUs = 100'000;

  RedisFailoverLimiter(WorkerContext& worker, const RedisConfig& config,
                       std::size_t over_limit_cache_keys);
  ~RedisFailoverLimiter() override;

  RedisIssue decide(std::string_view key, const LimitSpec& spec, Done done) override;
  OverLimitCache& overLimitCache() override { return over_limit_; }
  QuotaLeases& quotaLeases() override { return leases_; }

  const std::string& primaryAddress() const { return addresses_[primary_]; }

 private:
  void discoverPrimary();
  void onRole(std::size_t index, std::uint64_t round, const redisReply* reply);

  WorkerContext& worker_;
  OverLimitCache over_limit_;
  QuotaLeases leases_;
  std::vector<std::string> addresses_;                 // [0] = `address`, then `replicas`
  std::vector<std::unique_ptr<RedisLimiter>> nodes_;   // same order
  std::size_t primary_ = 0;
  std::uint64_t round_ = 0;        // ROLE rounds sent; answers of older rounds are ignored
  bool round_settled_ = true;      // a `master` answer of this round was seen
  std::int64_t last_round_us_ = 0;
  std::shared_ptr<RedisFailoverLimiter*> alive_;  // posted answers hold it weakly
};

}  // namespace rampart::state
