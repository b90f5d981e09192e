// Rate-limit decisions on a Redis Cluster, for one worker: one RedisLimiter (connection, breaker,
// deadlines, pipelining) per node, and the slot map that says which node owns a key.
//
// - Routing: the key's slot (state/redis_cluster_slot.h; our keys carry their digest as a hash
//   tag) picks the node from the slot map; before the map is known, a seed node answers or
//   redirects.
// - MOVED: the slot's owner is updated at once, the call is re-sent there, and the whole map is
//   read again (CLUSTER SLOTS). ASK: the call is re-sent once to the named node after ASKING,
//   the map unchanged. At most 3 redirects per decision; more count as an error.
// - Topology refresh: at the first decision, after every redirect, and after a node failed
//   (timeout, error, breaker open), at most every 100 ms, asking the nodes in turn so a dead
//   one is not asked twice in a row. After a primary fails, its slots fail over to the promoted
//   replica as soon as the cluster has promoted it and one refresh saw it.
// - Nodes: at most kMaxNodes connections per worker.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "state/redis_limiter.h"
#include "state/remote_limiter.h"

struct redisReply;

namespace rampart::state {

class RedisClusterLimiter final : public RemoteLimiter {
 public:
  static constexpr int kMaxRedirects = 3;
  static constexpr std::size_t kMaxNodes = 64;
  static constexpr std::int64_t kRefreshIntervalUs = 100'000;

  RedisClusterLimiter(WorkerContext& worker, const RedisConfig& config,
                      std::size_t over_limit_cache_keys);
  ~RedisClusterLimiter() override;

  RedisIssue decide(std::string_view key, const LimitSpec& spec, Done done) override;
  OverLimitCache& overLimitCache() override { return over_limit_; }
  QuotaLeases& quotaLeases() override { return leases_; }

 private:
  struct Attempt {
    std::string key;
    LimitSpec spec;
    Done done;
    std::uint16_t slot = 0;
    int redirects = 0;
  };

  RedisLimiter* node(const std::string& address);
  const std::string& ownerOf(std::uint16_t slot) const;
  void setOwner(std::uint16_t slot, const std::string& address);
  RedisIssue send(const std::shared_ptr<Attempt>& attempt, const std::string& address, bool asking);
  void onAnswer(const std::shared_ptr<Attempt>& attempt, const RedisAnswer& answer);
  void refreshTopology();
  void applySlots(const redisReply* reply, const std::string& from);

  WorkerContext& worker_;
  RedisConfig config_;
  OverLimitCache over_limit_;
  QuotaLeases leases_;
  std::vector<std::string> addresses_;   // nodes named by the slot map
  std::vector<std::int16_t> slot_node_;  // slot -> index into addresses_, -1 unknown
  std::unordered_map<std::string, std::unique_ptr<RedisLimiter>> nodes_;
  std::size_t refresh_cursor_ = 0;
  std::int64_t last_refresh_us_ = 0;
  bool refresh_in_flight_ = false;
  std::shared_ptr<RedisClusterLimiter*> alive_;  // posted answers hold it weakly
};

}  // namespace rampart::state
