// Taking one cookie out of a request's Cookie fields, so the backend never sees it (the
// clearance cookie is rampart's, not the application's).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/api/headers.h"

namespace rampart::bot {

// Removes every `name=value` pair from every Cookie field of `headers` (h2 may split cookies
// over several fields) and returns the values, at most `max_values` (the rest are removed too).
// A field left empty is removed; the other pairs keep their order. Linear in the fields' size,
// which the header limits bound.
std::vector<std::string> takeCookie(HeaderList& headers, std::string_view name,
                                    std::size_t max_values);

}  // namespace rampart::bot
