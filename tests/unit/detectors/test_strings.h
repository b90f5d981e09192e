// Inputs for checking a word-at-a-time routine against a byte-at-a-time rule: every string of
// up to 7 bytes over a small alphabet (so each special byte lands at every offset of a word and
// in the tail), then pseudo-random ones of 8 to 40 bytes from a fixed LCG, so a failure repeats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::test {

inline constexpr std::size_t kRandomTestStrings = 20000;

// How many strings forEachTestString passes for an alphabet of `base` bytes.
constexpr std::size_t testStringCount(std::size_t base) {
  std::size_t total = 0, count = 1;
  for (std::size_t length = 0; length <= 7; ++length, count *= base) total += count;
  return total + kRandomTestStrings;
}

template <typename Check>
void forEachTestString(std::string_view alphabet, Check check) {
  const std::size_t base = alphabet.size();
  std::string input;
  std::size_t count = 1;
  for (std::size_t length = 0; length <= 7; ++length, count *= base) {
    for (std::size_t n = 0; n < count; ++n) {
      input.clear();
      for (std::size_t k = 0, rest = n; k < length; ++k, rest /= base) input += alphabet[rest % base];
      check(input);
    }
  }
  std::uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  for (std::size_t n = 0; n < kRandomTestStrings; ++n) {
    const std::size_t length = 8 + next() % 33;
    input.clear();
    for (std::size_t k = 0; k < length; ++k) input += alphabet[next() % base];
    check(input);
  }
}

}  // namespace rampart::test
