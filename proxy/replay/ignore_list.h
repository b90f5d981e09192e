// The ignore file: tests that may fail, each with the reason why (Coraza's rule: an entry
// without a reason is refused). YAML:
//   - test: "920100-2"
//     reason: "rampart answers 400 before the WAF sees a request line with a leading tab"
// An ignored test that fails is reported as `ignored`; one that passes is reported as passed
// with a note, so stale entries show up.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "proxy/api/error.h"

namespace rampart::replay {

struct IgnoreList {
  std::unordered_map<std::string, std::string> reasons;  // test name -> reason

  const std::string* find(const std::string& test) const {
    auto it = reasons.find(test);
    return it == reasons.end() ? nullptr : &it->second;
  }
};

// Errors name the file, the entry's line and the problem (missing/empty reason, missing test,
// duplicate entry, not a list).
Result<IgnoreList> parseIgnoreList(std::string_view yaml, const std::string& source);
Result<IgnoreList> loadIgnoreFile(const std::string& path);

}  // namespace rampart::replay
