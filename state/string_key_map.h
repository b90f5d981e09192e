// A hash map keyed by std::string that is looked up with a std::string_view (heterogeneous
// lookup), so the per-worker tables keyed by store keys (state/over_limit_cache.h,
// state/quota_leases.h) find a key without building a string for it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rampart::state {

struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <typename Value>
using StringKeyMap = std::unordered_map<std::string, Value, TransparentStringHash, std::equal_to<>>;

}  // namespace rampart::state
