// Words for error messages about YAML keys and values (the config loader, the signature-file
// loader): the allowed words as a list, and the allowed word nearest to a misspelling.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart {

// "a, b, c"
std::string joinWords(const std::vector<std::string_view>& words);

// The allowed word within a small edit distance of `word` (2, or a quarter of its length when
// longer), the nearest one; none for anything farther, so a hint is never a wild guess.
std::optional<std::string_view> closestWord(std::string_view word,
                                            const std::vector<std::string_view>& allowed);

}  // namespace rampart
