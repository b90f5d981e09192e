#include "state/local_store.h"

#include <algorithm>
#include <functional>

namespace rampart::state {
namespace {

LimitDecision decideEntry(std::variant<SlidingWindowState, GcraState>& state,
                          std::int64_t& expires_us, const LimitSpec& spec, std::int64_t now) {
  if (spec.algorithm == Algorithm::Gcra) {
    if (!std::holds_alternative<GcraState>(state)) state = GcraState{};
    auto& s = std::get<GcraState>(state);
    const LimitDecision d = gcraDecide(s, spec, now);
    expires_us = gcraExpiryUs(s);
    return d;
  }
  if (!std::holds_alternative<SlidingWindowState>(state)) state = SlidingWindowState{};
  auto& s = std::get<SlidingWindowState>(state);
  const LimitDecision d = slidingWindowDecide(s, spec, now);
  expires_us = slidingWindowExpiryUs(s, spec);
  return d;
}

std::size_t shardCapacity(std::size_t max_keys) {
  return std::max<std::size_t>(1, (max_keys + LocalStore::kShards - 1) / LocalStore::kShards);
}

}  // namespace

LocalStore::LocalStore(std::size_t max_keys, const Clock& clock)
    : clock_(clock), shard_capacity_(shardCapacity(max_keys)) {}

LocalStore::Shard& LocalStore::shardFor(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

StoreDecision LocalStore::decide(std::string_view key, const LimitSpec& spec) {
  StoreDecision out;
  if (key.size() > kMaxKeyBytes) return out;
  Shard& shard = shardFor(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  const std::int64_t now = clock_.nowUs();
  auto found = shard.index.find(key);
  if (found != shard.index.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    Entry& entry = *found->second;
    if (entry.expires_us <= now) entry.state = SlidingWindowState{};  // expired: start afresh
    out.decision = decideEntry(entry.state, entry.expires_us, spec, now);
  } else {
    if (shard.index.size() >= shard_capacity_) {
      Entry& oldest = shard.lru.back();
      if (oldest.expires_us > now) out.eviction = StoreEviction::EvictedLive;
      shard.index.erase(oldest.key);
      shard.lru.pop_back();
    }
    shard.lru.push_front(Entry{std::string(key), SlidingWindowState{}, 0});
    Entry& entry = shard.lru.front();
    shard.index.emplace(entry.key, shard.lru.begin());
    out.decision = decideEntry(entry.state, entry.expires_us, spec, now);
  }
  // Reclaim one expired key per decision, so idle keys do not wait for the table to fill.
  if (shard.lru.size() > 1 && shard.lru.back().expires_us <= now) {
    shard.index.erase(shard.lru.back().key);
    shard.lru.pop_back();
  }
  return out;
}

std::size_t LocalStore::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    total += shard.index.size();
  }
  return total;
}

std::shared_ptr<LocalStore> LocalStore::shared(std::size_t max_keys) {
  static std::mutex mutex;
  static std::weak_ptr<LocalStore> current;
  std::lock_guard<std::mutex> lock(mutex);
  auto store = current.lock();
  if (store && store->maxKeys() == shardCapacity(max_keys) * kShards) return store;
  store = std::make_shared<LocalStore>(max_keys);
  current = store;
  return store;
}

}  // namespace rampart::state
