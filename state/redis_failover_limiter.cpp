#include "state/redis_failover_limiter.h"

#include <hiredis/hiredis.h>

#include <cstdio>
#include <string_view>

#include "state/clock.h"

namespace rampart::state {

RedisFailoverLimiter::RedisFailoverLimiter(WorkerContext& worker, const RedisConfig& config,
                                           std::size_t over_limit_cache_keys)
    : worker_(worker), over_limit_(over_limit_cache_keys), leases_(over_limit_cache_keys),
      alive_(std::make_shared<RedisFailoverLimiter*>(this)) {
  std::vector<RedisEndpoint> endpoints;
  endpoints.push_back({config.address, config.host, config.port});
  endpoints.insert(endpoints.end(), config.replicas.begin(), config.replicas.end());
  for (const RedisEndpoint& endpoint : endpoints) {
    RedisConfig node_config = config;
    node_config.replicas.clear();
    node_config.address = endpoint.address;
    node_config.host = endpoint.host;
    node_config.port = endpoint.port;
    addresses_.push_back(endpoint.address);
    nodes_.push_back(std::make_unique<RedisLimiter>(worker, node_config, 0));
  }
}

RedisFailoverLimiter::~RedisFailoverLimiter() {
  *alive_ = nullptr;
  nodes_.clear();  // answers still posted find no limiter
}

RedisIssue RedisFailoverLimiter::decide(std::string_view key, const LimitSpec& spec, Done done) {
  std::weak_ptr<RedisFailoverLimiter*> alive = alive_;
  const RedisIssue issued = nodes_[primary_]->decide(
      key, spec, [alive, done = std::move(done)](const RedisAnswer& answer) {
        if (answer.result != RedisCallResult::Answered) {
          if (auto self = alive.lock(); self && *self != nullptr) (*self)->discoverPrimary();
        }
        done(answer);
      });
  if (issued != RedisIssue::Issued) discoverPrimary();
  return issued;
}

void RedisFailoverLimiter::discoverPrimary() {
  const std::int64_t now = monotonicClock().nowUs();
  if (last_round_us_ != 0 && now - last_round_us_ < kDiscoveryIntervalUs) return;
  last_round_us_ = now;
  const std::uint64_t round = ++round_;
  round_settled_ = false;
  worker_.stats().inc(Counter::rate_limit_redis_role_queries_total);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    std::weak_ptr<RedisFailoverLimiter*> alive = alive_;
    nodes_[i]->query({"ROLE"}, [alive, i, round](const redisReply* reply) {
      if (auto self = alive.lock(); self && *self != nullptr) (*self)->onRole(i, round, reply);
    });
  }
}

void RedisFailoverLimiter::onRole(std::size_t index, std::uint64_t round, const redisReply* reply) {
  if (round != round_ || round_settled_ || reply == nullptr) return;
  // ROLE: ["master", offset, [replicas...]] or ["slave", host, port, state, offset].
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0 ||
      reply->element[0]->type != REDIS_REPLY_STRING ||
      std::string_view(reply->element[0]->str, reply->element[0]->len) != "master")
    return;
  round_settled_ = true;
  if (index == primary_) return;
  const std::string previous = addresses_[primary_];
  primary_ = index;
  worker_.stats().inc(Counter::rate_limit_redis_primary_changes_total);
  std::fprintf(stderr, "rampart: rate_limits: redis primary is now %s (was %s) (worker %u)\n",
               addresses_[primary_].c_str(), previous.c_str(),
               static_cast<unsigned>(worker_.index()));
}

}  // namespace rampart::state
