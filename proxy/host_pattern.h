// Host-name patterns shared by route matching and SNI certificate selection: "*" (any host),
// "*.example.com" (any name strictly below example.com, not example.com itself), or an exact name.
// Both sides are expected lower-case, without port.
#pragma once

#include <string_view>

namespace rampart {

inline bool hostPatternMatches(std::string_view pattern, std::string_view host) {
  if (pattern == "*") return true;
  if (pattern.size() > 2 && pattern.substr(0, 2) == "*.") {
    const std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix;
  }
  return pattern == host;
}

}  // namespace rampart
