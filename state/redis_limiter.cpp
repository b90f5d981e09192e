#include "state/redis_limiter.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <vector>

#include "state/clock.h"
#include "state/hiredis_loop_adapter.h"
#include "state/rate_limit_key.h"
#include "state/redis_cluster_limiter.h"
#include "state/redis_failover_limiter.h"
#include "state/redis_script.h"

namespace rampart::state {
namespace {

constexpr std::string_view kAlgorithmArg[] = {"s", "g"};  // by Algorithm

std::int64_t nowUs() { return monotonicClock().nowUs(); }

bool startsWith(const redisReply* r, std::string_view prefix) {
  return r->str != nullptr && std::string_view(r->str, r->len).substr(0, prefix.size()) == prefix;
}

// {admitted, count, remaining, retry_after_us, reset_us, granted} as the script returns it.
bool parseDecision(const redisReply* r, LimitDecision& out) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 6) return false;
  long long v[6];
  for (std::size_t i = 0; i < 6; ++i) {
    if (r->element[i]->type != REDIS_REPLY_INTEGER) return false;
    v[i] = r->element[i]->integer;
  }
  out.admission = v[0] == 1 ? Admission::Admitted : Admission::Limited;
  out.count = static_cast<std::uint64_t>(std::max(0LL, v[1]));
  out.remaining = static_cast<std::uint64_t>(std::max(0LL, v[2]));
  out.retry_after_us = std::max(0LL, v[3]);
  out.reset_us = std::max(0LL, v[4]);
  out.granted = static_cast<std::uint64_t>(std::max(0LL, v[5]));
  // An admission always grants at least the request that asked.
  if (out.admission == Admission::Admitted && out.granted == 0) return false;
  return true;
}

}  // namespace

struct RedisLimiter::Query {
  RedisLimiter* owner = nullptr;
  std::function<void(const redisReply*)> on_reply;
};

struct RedisLimiter::Call {
  RedisLimiter* owner = nullptr;
  std::string key;
  LimitSpec spec;
  Done done;
  std::int64_t deadline_us = 0;
  bool probe = false;
  bool answered = false;  // `done` was called (timeout); hiredis still holds the call
  bool resent_after_noscript = false;
  std::list<Call*>::iterator position;
};

RedisLimiter::RedisLimiter(WorkerContext& worker, const RedisConfig& config,
                           std::size_t over_limit_cache_keys)
    : worker_(worker), config_(config),
      breaker_(config.breaker.failures, static_cast<std::int64_t>(config.breaker.open_ms) * 1000),
      over_limit_(over_limit_cache_keys),
      leases_(over_limit_cache_keys),
      timer_(worker.loop(), [this] { onTimer(); }) {}

RedisLimiter::~RedisLimiter() {
  teardown("shutting down");
  if (degraded_) worker_.stats().gaugeAdd(Gauge::rate_limit_redis_degraded_connections, -1);
}

std::shared_ptr<RemoteLimiter> RemoteLimiter::of(WorkerContext& worker, const RedisConfig& config,
                                                 std::size_t over_limit_cache_keys) {
  // Every setting that shapes the connection or the breaker; the password only as a digest.
  std::string nodes;
  for (const std::string& node : config.cluster_nodes) nodes += node + ",";
  for (const RedisEndpoint& replica : config.replicas) nodes += "replica " + replica.address + ",";
  if (config.tls.enabled) {
    nodes += "tls " + config.tls.ca_file + "|" + config.tls.cert_file + "|" + config.tls.key_file +
             "|" + config.tls.server_name + "|" + (config.tls.verify ? "verify" : "noverify");
  }
  const std::string identity =
      "rampart.redis_limiter|" + config.address + "|" + nodes + "|" + config.username + "|" +
      sha256Hex(config.password, 16) + "|" + std::to_string(config.database) + "|" +
      std::to_string(config.timeout_ms) + "|" + std::to_string(config.connect_timeout_ms) + "|" +
      std::to_string(config.max_pending) + "|" + std::to_string(config.breaker.failures) + "|" +
      std::to_string(config.breaker.open_ms) + "|" + std::to_string(over_limit_cache_keys);
  if (auto existing = worker.resource(identity))
    return std::static_pointer_cast<RemoteLimiter>(existing);
  std::shared_ptr<RemoteLimiter> limiter;
  if (!config.replicas.empty()) {
    limiter = std::make_shared<RedisFailoverLimiter>(worker, config, over_limit_cache_keys);
  } else if (config.cluster_nodes.empty()) {
    limiter = std::make_shared<RedisLimiter>(worker, config, over_limit_cache_keys);
  } else {
    limiter = std::make_shared<RedisClusterLimiter>(worker, config, over_limit_cache_keys);
  }
  worker.putResource(identity, limiter);
  return limiter;
}

RedisIssue RedisLimiter::decideAt(std::string_view key, const LimitSpec& spec, Done done,
                                  bool asking) {
  const std::int64_t now = nowUs();
  const BreakerAdmission admission = breaker_.admit(now);
  if (admission == BreakerAdmission::Refuse) return RedisIssue::BreakerOpen;
  if (admission == BreakerAdmission::Probe) noteBreaker(BreakerState::HalfOpen);
  if (in_flight_.size() >= config_.max_pending) {
    if (admission == BreakerAdmission::Probe) noteBreaker(breaker_.onFailure(true, now));
    worker_.stats().inc(Counter::rate_limit_redis_overloaded_total);
    return RedisIssue::Overloaded;
  }
  if (ac_ == nullptr && !connect()) {
    worker_.stats().inc(Counter::rate_limit_redis_errors_total);
    noteBreaker(breaker_.onFailure(admission == BreakerAdmission::Probe, now));
    return RedisIssue::Failed;
  }
  auto* call = new Call;
  call->owner = this;
  call->key = std::string(key);
  call->spec = spec;
  call->done = std::move(done);
  call->deadline_us = now + static_cast<std::int64_t>(config_.timeout_ms) * 1000;
  call->probe = admission == BreakerAdmission::Probe;
  call->position = in_flight_.insert(in_flight_.end(), call);
  if (asking) sendControl({"ASKING"});
  if (!send(call)) {
    in_flight_.erase(call->position);
    delete call;
    worker_.stats().inc(Counter::rate_limit_redis_errors_total);
    noteBreaker(breaker_.onFailure(admission == BreakerAdmission::Probe, now));
    return RedisIssue::Failed;
  }
  worker_.stats().inc(Counter::rate_limit_redis_calls_total);
  if (!timer_.armed() || call->deadline_us < timer_deadline_us_) armTimer();
  return RedisIssue::Issued;
}

bool RedisLimiter::connect() {
  redisAsyncContext* ac = nullptr;
  if (config_.tls.enabled) {
    if (!tunnel_) {
      std::string error;
      if (!tls_context_) tls_context_ = RedisTlsTunnel::makeContext(config_.tls, error);
      if (tls_context_) tunnel_ = RedisTlsTunnel::open(worker_.loop(), config_, tls_context_, error);
      if (!tunnel_) {
        last_error_ = "TLS: " + error;
        return false;
      }
    }
    ac = redisAsyncConnectUnix(tunnel_->socketPath().c_str());
  } else {
    ac = redisAsyncConnect(config_.host.c_str(), config_.port);
  }
  if (ac == nullptr) {
    last_error_ = "out of memory";
    return false;
  }
  if (ac->err != 0) {
    last_error_ = ac->errstr;
    redisAsyncFree(ac);
    return false;
  }
  ac->data = this;
  if (attachHiredisToWorker(worker_, ac) != REDIS_OK) {
    last_error_ = "cannot attach to the event loop";
    redisAsyncFree(ac);
    return false;
  }
  redisAsyncSetConnectCallback(ac, &RedisLimiter::onConnect);
  redisAsyncSetDisconnectCallback(ac, &RedisLimiter::onDisconnect);
  ac_ = ac;
  connected_ = false;
  connect_deadline_us_ =
      nowUs() + static_cast<std::int64_t>(config_.connect_timeout_ms) * 1000;
  // Pipelined ahead of every call: hiredis buffers them until the socket connects.
  if (!config_.password.empty()) {
    if (config_.username.empty()) {
      sendControl({"AUTH", config_.password});
    } else {
      sendControl({"AUTH", config_.username, config_.password});
    }
  }
  if (config_.database != 0) sendControl({"SELECT", std::to_string(config_.database)});
  sendControl({"SCRIPT", "LOAD", rateLimitScript()});
  return true;
}

bool RedisLimiter::query(std::initializer_list<std::string_view> args,
                         std::function<void(const redisReply*)> on_reply) {
  if (ac_ == nullptr && !connect()) return false;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* q = new Query{this, std::move(on_reply)};
  if (redisAsyncCommandArgv(ac_, &RedisLimiter::onQueryReply, q, static_cast<int>(argv.size()),
                            argv.data(), lengths.data()) != REDIS_OK) {
    delete q;
    return false;
  }
  return true;
}

void RedisLimiter::onQueryReply(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<Query> q(static_cast<Query*>(privdata));
  q->on_reply(static_cast<const redisReply*>(reply));
}

void RedisLimiter::sendControl(std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  redisAsyncCommandArgv(ac_, &RedisLimiter::onControlReply, this, static_cast<int>(argv.size()),
                        argv.data(), lengths.data());
}

bool RedisLimiter::send(Call* call) {
  const std::string limit = std::to_string(call->spec.limit);
  const std::string window = std::to_string(call->spec.window_us);
  const std::string burst = std::to_string(call->spec.burst);
  const std::string tokens = std::to_string(std::max<std::uint64_t>(1, call->spec.tokens));
  const std::string_view algorithm = kAlgorithmArg[static_cast<int>(call->spec.algorithm)];
  const std::string& sha = rateLimitScriptSha1();
  const char* argv[] = {"EVALSHA",        sha.data(),    "1",           call->key.data(),
                        algorithm.data(), limit.data(),  window.data(), burst.data(),
                        tokens.data()};
  const std::size_t lengths[] = {7,                sha.size(),    1,             call->key.size(),
                                 algorithm.size(), limit.size(),  window.size(), burst.size(),
                                 tokens.size()};
  return redisAsyncCommandArgv(ac_, &RedisLimiter::onReply, call, 9, argv, lengths) == REDIS_OK;
}

void RedisLimiter::onConnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisLimiter*>(ac->data);
  if (self->ac_ != ac) return;
  if (status == REDIS_OK) {
    self->connected_ = true;
    return;
  }
  // hiredis frees the context after this callback and answers its calls with a null reply.
  self->last_error_ = ac->errstr;
  self->ac_ = nullptr;
  self->connected_ = false;
}

void RedisLimiter::onDisconnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisLimiter*>(ac->data);
  if (status != REDIS_OK && ac->errstr[0] != '\0') self->last_error_ = ac->errstr;
  if (self->ac_ != ac) return;
  self->ac_ = nullptr;
  self->connected_ = false;
}

void RedisLimiter::onControlReply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* self = static_cast<RedisLimiter*>(privdata);
  const auto* r = static_cast<const redisReply*>(reply);
  if (r == nullptr || r->type != REDIS_REPLY_ERROR || self->ac_ != ac) return;
  // AUTH, SELECT or SCRIPT LOAD refused: nothing on this connection can work.
  self->last_error_ = std::string(r->str, r->len);
  self->teardown(self->last_error_);
}

void RedisLimiter::onReply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* call = static_cast<Call*>(privdata);
  RedisLimiter* self = call->owner;
  const auto* r = static_cast<const redisReply*>(reply);
  if (call->answered) {  // timed out already: the late reply changes nothing
    self->release(call);
    return;
  }
  if (r == nullptr) {  // the connection went away (or was closed after a timeout)
    const bool late = nowUs() >= call->deadline_us;
    self->finish(call, late ? RedisCallResult::Timeout : RedisCallResult::Error, {});
    return;
  }
  LimitDecision decision;
  if (parseDecision(r, decision)) {
    self->finish(call, RedisCallResult::Answered, decision);
    return;
  }
  if (r->type == REDIS_REPLY_ERROR && (startsWith(r, "MOVED ") || startsWith(r, "ASK "))) {
    // "MOVED 3999 127.0.0.1:6381": the cluster limiter follows it. The node did answer.
    const std::string_view text(r->str, r->len);
    const std::size_t space = text.rfind(' ');
    RedisAnswer redirect;
    redirect.result = RedisCallResult::Redirected;
    redirect.ask = startsWith(r, "ASK ");
    redirect.redirect_to = std::string(text.substr(space + 1));
    self->worker_.stats().inc(Counter::rate_limit_redis_redirects_total);
    self->finishRedirect(call, std::move(redirect));
    return;
  }
  if (r->type == REDIS_REPLY_ERROR && startsWith(r, "NOSCRIPT") && !call->resent_after_noscript &&
      self->ac_ == ac) {
    self->worker_.stats().inc(Counter::rate_limit_redis_noscript_total);
    call->resent_after_noscript = true;
    self->sendControl({"SCRIPT", "LOAD", rateLimitScript()});
    if (self->send(call)) return;
  }
  if (r->type == REDIS_REPLY_ERROR) self->last_error_ = std::string(r->str, r->len);
  self->finish(call, RedisCallResult::Error, {});
}

void RedisLimiter::finish(Call* call, RedisCallResult result, const LimitDecision& decision) {
  answer(call, result, decision);
  release(call);
}

void RedisLimiter::finishRedirect(Call* call, RedisAnswer redirect) {
  call->answered = true;
  noteBreaker(breaker_.onSuccess(call->probe));
  worker_.postLocal([done = std::move(call->done), redirect = std::move(redirect)] { done(redirect); });
  release(call);
}

void RedisLimiter::release(Call* call) {
  in_flight_.erase(call->position);
  delete call;
}

void RedisLimiter::answer(Call* call, RedisCallResult result, const LimitDecision& decision) {
  call->answered = true;
  const std::int64_t now = nowUs();
  if (result == RedisCallResult::Answered) {
    noteBreaker(breaker_.onSuccess(call->probe));
  } else {
    worker_.stats().inc(result == RedisCallResult::Timeout ? Counter::rate_limit_redis_timeouts_total
                                                           : Counter::rate_limit_redis_errors_total);
    noteBreaker(breaker_.onFailure(call->probe, now));
  }
  RedisAnswer reply;
  reply.result = result;
  reply.decision = decision;
  worker_.postLocal([done = std::move(call->done), reply] { done(reply); });
}

void RedisLimiter::armTimer() {
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  for (const Call* call : in_flight_)
    if (!call->answered) earliest = std::min(earliest, call->deadline_us);
  if (ac_ != nullptr && !connected_) earliest = std::min(earliest, connect_deadline_us_);
  if (earliest == std::numeric_limits<std::int64_t>::max()) {
    timer_.disarm();
    return;
  }
  timer_deadline_us_ = earliest;
  const std::int64_t wait_us = std::max<std::int64_t>(0, earliest - nowUs());
  timer_.armMs(static_cast<std::uint32_t>(std::max<std::int64_t>(1, (wait_us + 999) / 1000)));
}

void RedisLimiter::onTimer() {
  const std::int64_t now = nowUs();
  // Calls past their deadline are answered now, whatever the connection does next.
  bool expired = false;
  for (Call* call : in_flight_) {
    if (!call->answered && call->deadline_us <= now) {
      answer(call, RedisCallResult::Timeout, {});
      expired = true;
    }
  }
  if (expired && connected_) {
    // A connected Redis that does not answer within the timeout is stuck (paused, overloaded,
    // a dead peer without a RST): start afresh rather than queue behind it.
    last_error_ = "timeout";
    teardown("a call passed its deadline");
    return;
  }
  if (ac_ != nullptr && !connected_ && now >= connect_deadline_us_) {
    last_error_ = "connect timeout";
    teardown("connect timeout");
    return;
  }
  armTimer();
}

void RedisLimiter::teardown(std::string_view) {
  timer_.disarm();
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  connected_ = false;
  // Answers every call on it with a null reply (now, or right after the current hiredis
  // callback returns).
  if (ac != nullptr) redisAsyncFree(ac);
}

void RedisLimiter::noteBreaker(std::optional<BreakerState> changed) {
  if (!changed) return;
  WorkerStats& stats = worker_.stats();
  if (*changed == BreakerState::Open) stats.inc(Counter::rate_limit_redis_breaker_opened_total);
  if (*changed == BreakerState::Closed) stats.inc(Counter::rate_limit_redis_breaker_closed_total);
  // One log line per change of "degraded": the open / half-open cycling of an outage (one probe
  // every open_ms) is counted, not logged.
  const bool degraded = *changed != BreakerState::Closed;
  if (degraded == degraded_) return;
  stats.gaugeAdd(Gauge::rate_limit_redis_degraded_connections, degraded ? 1 : -1);
  degraded_ = degraded;
  std::string line = "rampart: rate_limits: redis " + config_.address + " (worker " +
                     std::to_string(worker_.index()) + "): ";
  if (degraded) {
    line += "circuit open (last error: " +
            (last_error_.empty() ? std::string("unknown") : last_error_) +
            (tunnel_ && !tunnel_->lastError().empty() ? "; TLS: " + tunnel_->lastError()
                                                        : std::string()) +
            "); rules apply their on_store_failure policy; probing every " +
            std::to_string(config_.breaker.open_ms) + " ms";
  } else {
    line += "circuit closed: redis answers again";
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace rampart::state
