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
//   log line, a counter and the rate_limit_redis_degraded_workers gauge.
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

struct redisAsyncContext;

namespace rampart::state {

enum class RedisCallResult : std::uint8_t {
  Answered,  // `decision` is Redis' answer
  Timeout,   // no answer within the deadline
  Error,     // refused or lost connection, error reply, malformed reply
};

struct RedisAnswer {
  RedisCallResult result = RedisCallResult::Error;
  LimitDecision decision;
};

enum class RedisIssue : std::uint8_t {
  Issued,       // `done` runs later on this worker, exactly once
  BreakerOpen,  // not sent: the breaker is open (or its one probe is in flight)
  Overloaded,   // not sent: max_pending calls are in flight
  Failed,       // not sent: no connection could be started
};

class RedisLimiter final : public WorkerResource {
 public:
  using Done = std::function<void(const RedisAnswer&)>;

  RedisLimiter(WorkerContext& worker, const RedisConfig& config, std::size_t over_limit_cache_keys);
  ~RedisLimiter() override;
  RedisLimiter(const RedisLimiter&) = delete;
  RedisLimiter& operator=(const RedisLimiter&) = delete;

  RedisIssue decide(std::string_view key, const LimitSpec& spec, Done done);

  BreakerState breakerState() const { return breaker_.state(); }
  std::size_t inFlight() const { return in_flight_.size(); }
  OverLimitCache& overLimitCache() { return over_limit_; }

  // The limiter of `worker` for `config`, created on first use and kept across reloads as long
  // as the Redis settings stay the same.
  static std::shared_ptr<RedisLimiter> of(WorkerContext& worker, const RedisConfig& config,
                                          std::size_t over_limit_cache_keys);

 private:
  struct Call;

  bool connect();
  void teardown(std::string_view why);
  bool send(Call* call);
  void sendControl(std::initializer_list<std::string_view> args);
  // answer(): the caller's `done` is posted and the breaker told; release(): hiredis is done
  // with the call. finish() is both.
  void finish(Call* call, RedisCallResult result, const LimitDecision& decision);
  void answer(Call* call, RedisCallResult result, const LimitDecision& decision);
  void release(Call* call);
  void armTimer();
  void onTimer();
  void noteBreaker(std::optional<BreakerState> changed);

  static void onConnect(const redisAsyncContext* ac, int status);
  static void onDisconnect(const redisAsyncContext* ac, int status);
  static void onReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void onControlReply(redisAsyncContext* ac, void* reply, void* privdata);

  WorkerContext& worker_;
  RedisConfig config_;
  CircuitBreaker breaker_;
  OverLimitCache over_limit_;
  Timer timer_;
  redisAsyncContext* ac_ = nullptr;
  bool connected_ = false;
  bool degraded_ = false;
  std::int64_t connect_deadline_us_ = 0;
  std::int64_t timer_deadline_us_ = 0;
  std::list<Call*> in_flight_;  // issue order; each call knows its position
  std::string last_error_;
};

}  // namespace rampart::state
