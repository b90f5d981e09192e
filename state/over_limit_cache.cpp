#include "state/over_limit_cache.h"

namespace rampart::state {

void OverLimitCache::remember(std::string_view key, std::int64_t until_us, std::int64_t now_us) {
  if (max_keys_ == 0 || until_us <= now_us) return;
  auto found = entries_.find(key);
  if (found != entries_.end()) {
    found->second = until_us;
    return;
  }
  if (entries_.size() >= max_keys_) {
    std::erase_if(entries_, [now_us](const auto& entry) { return entry.second <= now_us; });
    if (entries_.size() >= max_keys_) return;
  }
  entries_.emplace(std::string(key), until_us);
}

std::int64_t OverLimitCache::refusedFor(std::string_view key, std::int64_t now_us) {
  auto found = entries_.find(key);
  if (found == entries_.end()) return 0;
  if (found->second <= now_us) {
    entries_.erase(found);
    return 0;
  }
  return found->second - now_us;
}

}  // namespace rampart::state
