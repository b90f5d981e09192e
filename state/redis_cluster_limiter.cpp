#include "state/redis_cluster_limiter.h"

#include <hiredis/hiredis.h>

#include <algorithm>

#include "state/clock.h"
#include "state/redis_cluster_slot.h"

namespace rampart::state {
namespace {

bool splitAddress(const std::string& address, std::string& host, std::uint16_t& port) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long value = 0;
  try {
    value = std::stoul(address.substr(colon + 1));
  } catch (...) {
    return false;
  }
  if (value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

RedisClusterLimiter::RedisClusterLimiter(WorkerContext& worker, const RedisConfig& config,
                                         std::size_t over_limit_cache_keys)
    : worker_(worker),
      config_(config),
      over_limit_(over_limit_cache_keys),
      leases_(over_limit_cache_keys),
      slot_node_(kClusterSlots, -1),
      alive_(std::make_shared<RedisClusterLimiter*>(this)) {}

RedisClusterLimiter::~RedisClusterLimiter() {
  *alive_ = nullptr;
  nodes_.clear();  // answers still posted find no limiter
}

RedisLimiter* RedisClusterLimiter::node(const std::string& address) {
  auto found = nodes_.find(address);
  if (found != nodes_.end()) return found->second.get();
  if (nodes_.size() >= kMaxNodes) return nullptr;
  RedisConfig node_config = config_;
  node_config.cluster_nodes.clear();
  node_config.address = address;
  if (!splitAddress(address, node_config.host, node_config.port)) return nullptr;
  auto created = std::make_unique<RedisLimiter>(worker_, node_config, 0);
  RedisLimiter* raw = created.get();
  nodes_.emplace(address, std::move(created));
  return raw;
}

const std::string& RedisClusterLimiter::ownerOf(std::uint16_t slot) const {
  const std::int16_t index = slot_node_[slot];
  if (index >= 0) return addresses_[static_cast<std::size_t>(index)];
  return config_.cluster_nodes[slot % config_.cluster_nodes.size()];
}

void RedisClusterLimiter::setOwner(std::uint16_t slot, const std::string& address) {
  for (std::size_t i = 0; i < addresses_.size(); ++i) {
    if (addresses_[i] == address) {
      slot_node_[slot] = static_cast<std::int16_t>(i);
      return;
    }
  }
  if (addresses_.size() >= kMaxNodes) return;
  addresses_.push_back(address);
  slot_node_[slot] = static_cast<std::int16_t>(addresses_.size() - 1);
}

RedisIssue RedisClusterLimiter::decide(std::string_view key, const LimitSpec& spec, Done done) {
  if (last_refresh_us_ == 0) refreshTopology();
  auto attempt = std::make_shared<Attempt>();
  attempt->key = std::string(key);
  attempt->spec = spec;
  attempt->done = std::move(done);
  attempt->slot = clusterSlot(key);
  return send(attempt, ownerOf(attempt->slot), false);
}

RedisIssue RedisClusterLimiter::send(const std::shared_ptr<Attempt>& attempt,
                                     const std::string& address, bool asking) {
  RedisLimiter* target = node(address);
  if (target == nullptr) return RedisIssue::Failed;
  std::weak_ptr<RedisClusterLimiter*> alive = alive_;
  const RedisIssue issued = target->decideAt(
      attempt->key, attempt->spec,
      [alive, attempt](const RedisAnswer& answer) {
        if (auto self = alive.lock(); self && *self != nullptr) (*self)->onAnswer(attempt, answer);
      },
      asking);
  if (issued != RedisIssue::Issued) refreshTopology();
  return issued;
}

void RedisClusterLimiter::onAnswer(const std::shared_ptr<Attempt>& attempt,
                                   const RedisAnswer& answer) {
  if (answer.result == RedisCallResult::Redirected && attempt->redirects < kMaxRedirects) {
    ++attempt->redirects;
    if (!answer.ask) {
      setOwner(attempt->slot, answer.redirect_to);
      refreshTopology();
    }
    if (send(attempt, answer.redirect_to, answer.ask) == RedisIssue::Issued) return;
    attempt->done(RedisAnswer{});  // Error
    return;
  }
  if (answer.result == RedisCallResult::Redirected) {
    attempt->done(RedisAnswer{});  // Error
    return;
  }
  if (answer.result != RedisCallResult::Answered) refreshTopology();
  attempt->done(answer);
}

void RedisClusterLimiter::refreshTopology() {
  const std::int64_t now = monotonicClock().nowUs();
  const std::int64_t stale_us =
      static_cast<std::int64_t>(config_.connect_timeout_ms + config_.timeout_ms) * 1000;
  if (refresh_in_flight_ && now - last_refresh_us_ < stale_us) return;
  if (last_refresh_us_ != 0 && now - last_refresh_us_ < kRefreshIntervalUs) return;
  // Ask the nodes in turn (known ones, then the seeds), skipping those whose breaker is open.
  std::vector<std::string> candidates = addresses_;
  candidates.insert(candidates.end(), config_.cluster_nodes.begin(), config_.cluster_nodes.end());
  for (std::size_t tried = 0; tried < candidates.size(); ++tried) {
    const std::string address = candidates[refresh_cursor_++ % candidates.size()];
    RedisLimiter* target = node(address);
    if (target == nullptr || target->breakerState() != BreakerState::Closed) continue;
    std::weak_ptr<RedisClusterLimiter*> alive = alive_;
    const bool sent = target->query({"CLUSTER", "SLOTS"}, [alive, address](const redisReply* r) {
      auto self = alive.lock();
      if (!self || *self == nullptr) return;
      (*self)->refresh_in_flight_ = false;
      if (r != nullptr) (*self)->applySlots(r, address);
    });
    if (!sent) continue;
    refresh_in_flight_ = true;
    last_refresh_us_ = now;
    worker_.stats().inc(Counter::rate_limit_redis_topology_refreshes_total);
    return;
  }
  last_refresh_us_ = now;  // nobody to ask right now: try again after the interval
}

void RedisClusterLimiter::applySlots(const redisReply* r, const std::string& from) {
  // [[start, end, [ip, port, id, ...], replica...], ...]
  if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) return;
  std::vector<std::string> addresses;
  std::vector<std::int16_t> slots(kClusterSlots, -1);
  std::string from_host;
  std::uint16_t from_port = 0;
  splitAddress(from, from_host, from_port);
  for (std::size_t i = 0; i < r->elements; ++i) {
    const redisReply* range = r->element[i];
    if (range->type != REDIS_REPLY_ARRAY || range->elements < 3) continue;
    const redisReply* start = range->element[0];
    const redisReply* end = range->element[1];
    const redisReply* primary = range->element[2];
    if (start->type != REDIS_REPLY_INTEGER || end->type != REDIS_REPLY_INTEGER ||
        primary->type != REDIS_REPLY_ARRAY || primary->elements < 2 ||
        primary->element[0]->type != REDIS_REPLY_STRING ||
        primary->element[1]->type != REDIS_REPLY_INTEGER)
      continue;
    std::string host(primary->element[0]->str, primary->element[0]->len);
    if (host.empty() || host == "?") host = from_host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    const std::string address = host + ":" + std::to_string(primary->element[1]->integer);
    std::size_t index = 0;
    while (index < addresses.size() && addresses[index] != address) ++index;
    if (index == addresses.size()) {
      if (addresses.size() >= kMaxNodes) continue;
      addresses.push_back(address);
    }
    for (long long slot = std::max(0LL, start->integer);
         slot <= std::min<long long>(kClusterSlots - 1, end->integer); ++slot)
      slots[static_cast<std::size_t>(slot)] = static_cast<std::int16_t>(index);
  }
  if (addresses.empty()) return;
  addresses_ = std::move(addresses);
  slot_node_ = std::move(slots);
  // Connections to nodes the map no longer names (a failed primary) are closed, after this
  // hiredis callback returns: one of them may be the connection this reply came on.
  std::weak_ptr<RedisClusterLimiter*> alive = alive_;
  worker_.postLocal([alive] {
    auto self = alive.lock();
    if (!self || *self == nullptr) return;
    RedisClusterLimiter& limiter = **self;
    std::erase_if(limiter.nodes_, [&](const auto& entry) {
      const auto& [address, node] = entry;
      const auto& seeds = limiter.config_.cluster_nodes;
      return std::find(limiter.addresses_.begin(), limiter.addresses_.end(), address) ==
                 limiter.addresses_.end() &&
             std::find(seeds.begin(), seeds.end(), address) == seeds.end() &&
             node->inFlight() == 0;
    });
  });
}

}  // namespace rampart::state
