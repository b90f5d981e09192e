// Per-worker memory of keys Redis said are over their limit: until the wait Redis gave ends,
// further requests for the key are refused here, without a round trip (a flood from one key
// costs Redis one call per retry period, not one per request). Only this worker's thread
// touches it. Bounded: at most `max_keys` entries; when full, expired ones are dropped, and if
// none has expired the new key is simply not remembered (it then costs a Redis call, nothing
// else).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "state/string_key_map.h"

namespace rampart::state {

class OverLimitCache {
 public:
  explicit OverLimitCache(std::size_t max_keys) : max_keys_(max_keys) {}

  void remember(std::string_view key, std::int64_t until_us, std::int64_t now_us);
  // Microseconds the key stays refused, or 0 when it is not (or no longer) known over limit.
  std::int64_t refusedFor(std::string_view key, std::int64_t now_us);
  std::size_t size() const { return entries_.size(); }

 private:
  std::size_t max_keys_;
  StringKeyMap<std::int64_t> entries_;
};

}  // namespace rampart::state
