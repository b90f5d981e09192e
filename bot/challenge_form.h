// The challenge page's POST body (application/x-www-form-urlencoded): token, counter and the
// target to return to. Parsed here rather than by the canonical view because the challenge stage
// runs whether or not a route has one, and the body is tiny and bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::bot {

inline constexpr std::size_t kMaxSolutionBodyBytes = 4096;
inline constexpr std::size_t kMaxReturnTargetBytes = 2048;

struct ChallengeSolution {
  std::string token;
  std::string counter;
  std::string return_target = "/";  // "/" when the form has no `return`
};

enum class SolutionParse : std::uint8_t {
  Parsed,
  Malformed,  // too long, bad percent-encoding, a repeated or missing field, too many fields
};

// Fills `out` from `body`; unknown fields are ignored (at most 16 fields in all).
SolutionParse parseChallengeSolution(std::string_view body, ChallengeSolution& out);

// True for an origin-form path on this site: starts with one '/', and holds no backslash,
// control character, space or DEL (so "//evil.example", "/\evil.example" and
// "https://evil.example" are refused: no open redirect).
bool isSameSiteTarget(std::string_view target);

}  // namespace rampart::bot
