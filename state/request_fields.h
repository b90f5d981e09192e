// Reading single values out of a request head for rate-limit matching and keys: a query
// parameter (percent-decoded, '+' as space) and a cookie. Bounded work: at most kMaxPairs
// parameters or cookies are looked at, so a hostile query string costs a fixed amount.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/api/headers.h"

namespace rampart::state {

inline constexpr std::size_t kMaxPairs = 256;

// The first value of query parameter `name` in `target` ("/p?a=1&b=2"); nullopt when absent.
std::optional<std::string> queryValue(std::string_view target, std::string_view name);

// The first value of cookie `name` over every Cookie field (h2 may split them); nullopt when absent.
std::optional<std::string> cookieValue(const HeaderList& headers, std::string_view name);

}  // namespace rampart::state
