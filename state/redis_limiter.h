// One worker's Redis connection for rate-limit decisions (hiredis async on the worker's libev
// loop: nothing here ever blocks the loop).
//
// - Every decision is one EVALSHA of state/redis_script.h. The script is loaded once per
//   connection (SCRIPT LOAD pipelined right after AUTH/SELECT, before any call); a NOSCRIPT reply
//   (Redis restarted or flushed its script cache) loads it again and re-sends that call once.
// - Concurrent decisions are pipelined on the one connection: hiredis writes each command as it
//   is issued and matches replies in order, so N requests in one loop iteration cost one write
//   and one read, not N round trips.
// - Every call has a deadline of timeout_ms: past it the call is answered Timeout and the caller
//   applies its failure policy, so no request waits longer than the timeout. A connected Redis
//   that lets a call pass its deadline is then disconnected (every other call on it is answered
//   Error at once); a connection still being set up may go on until connect_timeout_ms. At most
//   max_pending calls are in flight (timed-out ones included until their connection drops them);
//   beyond that, Overloaded.
// - A CircuitBreaker (state/circuit_breaker.h) counts failures: while it is open no call is
//   made at all; half-open sends one probe call (reconnecting first). Each state change is one
//   log line, a counter and the rate_limit_redis_degraded_connections gauge.
// - In a Redis Cluster (state/redis_cluster_limiter.h) one RedisLimiter runs per node; MOVED
//   and ASK replies come back as RedisCallResult::Redirected for the cluster limiter to follow.
// - With redis.tls, hiredis (0.14: no TLS of its own) talks through a RedisTlsTunnel.
// - Answers are delivered through WorkerContext::postLocal, never from inside decide() or a
//   hiredis callback, so a caller can issue new calls from its callback.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/config/config.h"
#include "proxy/event_loop.h"
#include "proxy/worker_context.h"
#include "state/circuit_breaker.h"
#include "state/limit.h"
#include "state/over_limit_cache.h"
#include "state/redis_tls_tunnel.h"
#include "state/remote_limiter.h"

struct redisAsyncContext;
struct redisReply;

namespace rampart::state {

class RedisLimiter final : public RemoteLimiter {
 public:
  RedisLimiter(WorkerContext& worker, const RedisConfig& config, std::size_t over_limit_cache_keys);
  ~RedisLimiter() override;
  RedisLimiter(const RedisLimiter&) = delete;
  RedisLimiter& operator=(const RedisLimiter&) = delete;

  RedisIssue decide(std::string_view key, const LimitSpec& spec, Done done) override {
    return decideAt(key, spec, std::move(done), false);
  }
  // `asking`: Redis Cluster ASK redirection: ASKING is sent right before this call.
  RedisIssue decideAt(std::string_view key, const LimitSpec& spec, Done done, bool asking);
  OverLimitCache& overLimitCache() override { return over_limit_; }
  QuotaLeases& quotaLeases() override { return leases_; }

  // A command outside the breaker (Redis Cluster topology: CLUSTER SLOTS). `on_reply` gets the
  // reply, or null when the connection failed, from inside a hiredis callback: it must only
  // parse. False when no connection could be started.
  bool query(std::initializer_list<std::string_view> args,
             std::function<void(const ::redisReply*)> on_reply);

  BreakerState breakerState() const { return breaker_.state(); }
  std::size_t inFlight() const { return in_flight_.size(); }
  const std::string& address() const { return config_.address; }

 private:
  struct Call;
  struct Query;

  bool connect();
  void teardown(std::string_view why);
  bool send(Call* call);
  void sendControl(std::initializer_list<std::string_view> args);
  // answer(): the caller's `done` is posted and the breaker told; release(): hiredis is done
  // with the call. finish() is both.
  void finish(Call* call, RedisCallResult result, const LimitDecision& decision);
  void answer(Call* call, RedisCallResult result, const LimitDecision& decision);
  void release(Call* call);
  void finishRedirect(Call* call, RedisAnswer redirect);
  void armTimer();
  void onTimer();
  void noteBreaker(std::optional<BreakerState> changed);

  static void onConnect(const redisAsyncContext* ac, int status);
  static void onDisconnect(const redisAsyncContext* ac, int status);
  static void onReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void onControlReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void onQueryReply(redisAsyncContext* ac, void* reply, void* privdata);

  WorkerContext& worker_;
  RedisConfig config_;
  CircuitBreaker breaker_;
  OverLimitCache over_limit_;
  QuotaLeases leases_;
  Timer timer_;
  redisAsyncContext* ac_ = nullptr;
  bool connected_ = false;
  bool degraded_ = false;
  std::int64_t connect_deadline_us_ = 0;
  std::int64_t timer_deadline_us_ = 0;
  std::list<Call*> in_flight_;  // issue order; each call knows its position
  std::string last_error_;
  // redis.tls: hiredis connects to this tunnel's Unix socket (made at the first connect).
  std::shared_ptr<SSL_CTX> tls_context_;
  std::unique_ptr<RedisTlsTunnel> tunnel_;
};

}  // namespace rampart::state
