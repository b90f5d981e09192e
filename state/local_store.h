// The in-process store (the embedded default): one table shared by every worker of the process,
// so a limit holds per instance whatever worker a connection landed on.
//
// - Sharded: 64 shards, each a hash map plus an LRU list behind its own mutex. A decision holds
//   one shard's lock for a hash lookup and a few integer operations; workers contend only when
//   they hit the same shard at the same instant. (The one lock on the data path: docs/
//   architecture.md says why.)
// - Bounded: at most `max_keys` keys. A new key in a full shard first takes the place of the
//   least recently used one (expired keys are always the least recently used of their shard, and
//   one expired key is also reclaimed on every decision). Evicting a key that had not expired
//   forgets its count, which admits rather than refuses: the counter says how often it happens.
//   Keys are fixed-size digests built by the stage, so nothing a client sends grows an entry.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "state/clock.h"
#include "state/gcra.h"
#include "state/limit.h"
#include "state/sliding_window.h"

namespace rampart::state {

enum class StoreEviction : std::uint8_t {
  None,         // the key fitted, or only expired keys made room
  EvictedLive,  // a key that still held a count was forgotten to make room
};

struct StoreDecision {
  LimitDecision decision;
  StoreEviction eviction = StoreEviction::None;
};

class LocalStore {
 public:
  static constexpr std::size_t kShards = 64;
  static constexpr std::size_t kMaxKeyBytes = 128;  // keys are digests; longer ones are refused

  LocalStore(std::size_t max_keys, const Clock& clock = monotonicClock());
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  // Decides one request for `key` under `spec` at the clock's now. Thread-safe. A key longer than
  // kMaxKeyBytes is a caller bug: it is admitted and not stored.
  StoreDecision decide(std::string_view key, const LimitSpec& spec);

  std::size_t size() const;  // keys held now (takes every shard lock; for tests and metrics)
  std::size_t maxKeys() const { return shard_capacity_ * kShards; }

  // The process-wide store, shared by every worker and kept across reloads: a config generation
  // asks for it while the previous generation still holds it, so counts survive a reload. A
  // different `max_keys` starts a new, empty store.
  static std::shared_ptr<LocalStore> shared(std::size_t max_keys);

 private:
  struct Entry {
    std::string key;
    std::variant<SlidingWindowState, GcraState> state;
    std::int64_t expires_us = 0;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::list<Entry> lru;  // front: most recently used
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views into lru keys
  };

  Shard& shardFor(std::string_view key);

  const Clock& clock_;
  std::size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
};

}  // namespace rampart::state
